"""Distillation losses: each is ``loss(student, teacher) -> weighted scalar``."""
from .at import ATLoss
from .cwd import ChannelWiseDivergence
from .depth import DepthResponseLoss
from .dist import DISTLoss
from .dkd import DKDLoss
from .utils import labels_from_data_samples
from .feature import L1Feature, MSEFeature
from .kd import KLDivergence
from .relation import IntraClassRelation, LogDepthRelation, NonTargetRelation

__all__ = [
    'KLDivergence', 'MSEFeature', 'L1Feature', 'ChannelWiseDivergence', 'DepthResponseLoss',
    'ATLoss', 'DKDLoss', 'DISTLoss', 'labels_from_data_samples',
    'IntraClassRelation', 'NonTargetRelation', 'LogDepthRelation'
]
