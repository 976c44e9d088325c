"""FitNet-style feature distances.

Romero et al. "FitNets: Hints for Thin Deep Nets", ICLR 2015.
"""

import torch.nn.functional as F
from torch import Tensor

from mmkd.registry import MODELS

from .base import DistillLoss
from .utils import check_same_shape

_HINT = "add a connector to resize/project the student feature to the teacher's shape"


class _FeatureDistance(DistillLoss):
    """``loss_weight * mean(distance(s, t))`` over all elements of two equally shaped features."""

    def distance(self, student: Tensor, teacher: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        check_same_shape(type(self).__name__, student, teacher, _HINT)
        return self.loss_weight * self.distance(student, teacher.detach())


@MODELS.register_module()
class MSEFeature(_FeatureDistance):
    """Mean squared error between features: ``loss_weight * mean((s - t)²)`` over all elements.

    Args:
        loss_weight: multiplier of the returned loss (see :class:`DistillLoss`).
    """

    def distance(self, student: Tensor, teacher: Tensor) -> Tensor:
        return F.mse_loss(student, teacher, reduction='mean')


@MODELS.register_module()
class L1Feature(_FeatureDistance):
    """Mean absolute error between features: ``loss_weight * mean(|s - t|)`` over all elements.

    Args:
        loss_weight: multiplier of the returned loss (see :class:`DistillLoss`).
    """

    def distance(self, student: Tensor, teacher: Tensor) -> Tensor:
        return F.l1_loss(student, teacher, reduction='mean')
