"""Hinton knowledge distillation on logits.

Hinton, Vinyals, Dean. "Distilling the Knowledge in a Neural Network", 2015.
"""
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmkd.registry import MODELS
from .utils import check_min_ndim, check_same_shape, kl_terms


@MODELS.register_module()
class KLDivergence(nn.Module):
    """KL(p_teacher || p_student) of temperature-softened class distributions, times tau².

    With ``p_t = softmax(t / tau)`` and ``p_s = softmax(s / tau)`` over the class axis (dim 1)::

        loss = weight * tau² * mean_over_positions( sum_c p_t[c] * (log p_t[c] - log p_s[c]) )

    The tau² factor keeps the gradient magnitude roughly independent of tau (Hinton et al.).
    Inputs are ``(N, C)`` logits or dense ``(N, C, *spatial)`` maps; the class axis is dim 1,
    so for ``(N, C, H, W)`` the KL is taken per pixel and averaged over ``N*H*W`` (identical to
    the ``(N*H*W, C)`` flattened version).

    Args:
        tau: softmax temperature (> 0).
        weight: multiplier of the returned loss.
    """

    def __init__(self, tau: float = 1.0, weight: float = 1.0) -> None:
        super().__init__()
        if tau <= 0:
            raise ValueError(f'KLDivergence: tau must be > 0, got {tau}')
        self.tau = float(tau)
        self.weight = float(weight)

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        name = type(self).__name__
        check_min_ndim(name, student, 2, 'logits of shape (N, C) or (N, C, *spatial)')
        check_same_shape(
            name, student, teacher,
            'add a connector to resize/project the student logits to the teacher\'s shape')
        teacher = teacher.detach()
        log_p_s = F.log_softmax(student / self.tau, dim=1)
        log_p_t = F.log_softmax(teacher / self.tau, dim=1)
        kl = kl_terms(log_p_t, log_p_s).sum(dim=1)  # (N, *spatial)
        return self.weight * self.tau**2 * kl.mean()
