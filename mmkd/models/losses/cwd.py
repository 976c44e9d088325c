"""Channel-wise distillation for dense prediction.

Shu et al. "Channel-wise Knowledge Distillation for Dense Prediction", ICCV 2021.
"""

from typing import Any

import torch.nn.functional as F
from torch import Tensor

from mmkd.registry import MODELS

from .base import DistillLoss
from .utils import check_min_ndim, check_same_shape, kl_terms


@MODELS.register_module()
class ChannelWiseDivergence(DistillLoss):
    """Per-channel spatial distributions, KL(teacher || student), times tau².

    For each sample n and channel c, the map over the H*W positions is softmaxed with
    temperature tau: ``p_t = softmax(t[n, c] / tau)``, ``p_s = softmax(s[n, c] / tau)``::

        loss = loss_weight * tau² * mean_over_(N*C)( sum_hw p_t[hw] * (log p_t[hw] - log p_s[hw]) )

    Inputs are ``(N, C, H, W)`` (any ``(N, C, *spatial)`` works; all spatial axes are pooled).

    Args:
        tau: softmax temperature (> 0); the paper uses 4 for segmentation.
        loss_weight: multiplier of the returned loss (the paper uses 3 for segmentation; see
            :class:`DistillLoss`).
    """

    def __init__(self, tau: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if tau <= 0:
            raise ValueError(f'ChannelWiseDivergence: tau must be > 0, got {tau}')
        self.tau = float(tau)

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        name = type(self).__name__
        check_min_ndim(name, student, 3, 'dense maps of shape (N, C, H, W)')
        check_same_shape(
            name,
            student,
            teacher,
            "add a connector to resize/project the student map to the teacher's shape",
        )
        n, c = student.shape[:2]
        s = student.reshape(n * c, -1)
        t = teacher.detach().reshape(n * c, -1)
        log_p_s = F.log_softmax(s / self.tau, dim=1)
        log_p_t = F.log_softmax(t / self.tau, dim=1)
        kl = kl_terms(log_p_t, log_p_s).sum(dim=1)  # (N*C,)
        return self.loss_weight * self.tau**2 * kl.mean()
