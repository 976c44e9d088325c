"""FitNet-style feature distances.

Romero et al. "FitNets: Hints for Thin Deep Nets", ICLR 2015.
"""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmkd.registry import MODELS
from .utils import check_same_shape

_HINT = 'add a connector to resize/project the student feature to the teacher\'s shape'


@MODELS.register_module()
class MSEFeature(nn.Module):
    """Mean squared error between features: ``weight * mean((s - t)²)`` over all elements.

    Args:
        weight: multiplier of the returned loss.
    """

    def __init__(self, weight: float = 1.0) -> None:
        super().__init__()
        self.weight = float(weight)

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        check_same_shape(type(self).__name__, student, teacher, _HINT)
        return self.weight * F.mse_loss(student, teacher.detach(), reduction='mean')


@MODELS.register_module()
class L1Feature(nn.Module):
    """Mean absolute error between features: ``weight * mean(|s - t|)`` over all elements.

    Args:
        weight: multiplier of the returned loss.
    """

    def __init__(self, weight: float = 1.0) -> None:
        super().__init__()
        self.weight = float(weight)

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        check_same_shape(type(self).__name__, student, teacher, _HINT)
        return self.weight * F.l1_loss(student, teacher.detach(), reduction='mean')
