"""Distillation losses: each is ``loss(student, teacher) -> weighted scalar``."""
from .cwd import ChannelWiseDivergence
from .depth import DepthResponseLoss
from .feature import L1Feature, MSEFeature
from .kd import KLDivergence

__all__ = [
    'KLDivergence', 'MSEFeature', 'L1Feature', 'ChannelWiseDivergence', 'DepthResponseLoss'
]
