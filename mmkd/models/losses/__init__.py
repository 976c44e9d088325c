"""Distillation losses: each is ``loss(student, teacher) -> loss_weight * value``.

A new loss is one file in this package: every module here is imported below, so its
``@MODELS.register_module()`` runs without an import line here (a broken file fails the
import of mmkd, loudly). The names imported explicitly are the public API.
"""

import importlib
import pkgutil

from .at import ATLoss
from .base import DistillLoss
from .cwd import ChannelWiseDivergence
from .depth import DepthResponseLoss
from .dist import DISTLoss
from .dkd import DKDLoss
from .feature import L1Feature, MSEFeature
from .kd import KLDivergence
from .relation import IntraClassRelation, LogDepthRelation, NonTargetRelation
from .utils import labels_from_data_samples

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f'{__name__}.{_module.name}')

__all__ = [
    'DistillLoss',
    'KLDivergence',
    'MSEFeature',
    'L1Feature',
    'ChannelWiseDivergence',
    'DepthResponseLoss',
    'ATLoss',
    'DKDLoss',
    'DISTLoss',
    'labels_from_data_samples',
    'IntraClassRelation',
    'NonTargetRelation',
    'LogDepthRelation',
]
