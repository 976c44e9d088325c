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

    Dense logits of a segmentation head live at the decoder's stride (1/8 of the image for
    PSPNet), while the task loss and the prediction use them bilinearly upsampled to the
    image. ``upsample=8`` takes the KL there too: the teacher's soft boundaries then reach the
    student where its cross-entropy acts, instead of one hard-ish target per 8x8 block.

    Args:
        tau: softmax temperature (> 0).
        weight: multiplier of the returned loss.
        upsample: bilinear upsampling factor of both (N, C, H, W) maps before the KL (mmseg's
            own resize: align_corners=False); 1 = at the tapped resolution.
    """

    def __init__(self, tau: float = 1.0, weight: float = 1.0, upsample: int = 1) -> None:
        super().__init__()
        if tau <= 0:
            raise ValueError(f'KLDivergence: tau must be > 0, got {tau}')
        if int(upsample) != upsample or upsample < 1:
            raise ValueError(f'KLDivergence: upsample must be an integer >= 1, got {upsample}')
        self.tau = float(tau)
        self.weight = float(weight)
        self.upsample = int(upsample)

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        name = type(self).__name__
        check_min_ndim(name, student, 2, 'logits of shape (N, C) or (N, C, *spatial)')
        check_same_shape(
            name, student, teacher,
            'add a connector to resize/project the student logits to the teacher\'s shape')
        teacher = teacher.detach()
        if self.upsample > 1:
            if student.dim() != 4:
                raise ValueError(f'{name}: upsample={self.upsample} needs (N, C, H, W) maps, '
                                 f'got shape {tuple(student.shape)}; set upsample=1')
            student, teacher = (F.interpolate(x, scale_factor=self.upsample, mode='bilinear',
                                              align_corners=False) for x in (student, teacher))
        log_p_s = F.log_softmax(student / self.tau, dim=1)
        log_p_t = F.log_softmax(teacher / self.tau, dim=1)
        kl = kl_terms(log_p_t, log_p_s).sum(dim=1)  # (N, *spatial)
        return self.weight * self.tau**2 * kl.mean()
