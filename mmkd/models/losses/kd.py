"""Hinton knowledge distillation on logits.

Hinton, Vinyals, Dean. "Distilling the Knowledge in a Neural Network", 2015.
"""

from typing import Any, Mapping, Optional, Union

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmkd.models.target_transforms.topk_mask import TopKMask
from mmkd.registry import MODELS

from .base import DistillLoss
from .utils import check_min_ndim, check_same_shape, kl_terms


def _build_teacher_mask(cfg: Union[None, TopKMask, Mapping[str, Any]]) -> Optional[TopKMask]:
    """The per-position class mask of ``KLDivergence(teacher_mask=...)`` (dim='channel')."""
    if cfg is None or isinstance(cfg, TopKMask):
        mask = cfg
    elif isinstance(cfg, Mapping):
        cfg = dict(cfg)
        kind = cfg.pop('type', None)
        if kind is not None and kind is not TopKMask and str(kind).split('.')[-1] != 'TopKMask':
            raise ValueError(
                f'KLDivergence: teacher_mask is built as a TopKMask; got type={kind!r}'
            )
        mask = TopKMask(**cfg)
    else:
        raise TypeError(
            'KLDivergence: teacher_mask must be None, a dict of TopKMask arguments '
            f"(e.g. dict(ratio=0.6, fill='-inf')) or a TopKMask, got "
            f'{type(cfg).__name__}'
        )
    if mask is not None and mask.dim != 'channel':
        raise ValueError(
            'KLDivergence: teacher_mask ranks the classes of each position; leave '
            f"dim out (or use 'channel'), got dim={mask.dim!r}"
        )
    return mask


@MODELS.register_module()
class KLDivergence(DistillLoss):
    """KL(p_teacher || p_student) of temperature-softened class distributions, times tau².

    With ``p_t = softmax(t / tau)`` and ``p_s = softmax(s / tau)`` over the class axis (dim 1)::

        loss = loss_weight * tau² * mean_over_positions(
                   sum_c p_t[c] * (log p_t[c] - log p_s[c]) )

    The tau² factor keeps the gradient magnitude roughly independent of tau (Hinton et al.).
    Inputs are ``(N, C)`` logits or dense ``(N, C, *spatial)`` maps; the class axis is dim 1,
    so for ``(N, C, H, W)`` the KL is taken per pixel and averaged over ``N*H*W`` (identical to
    the ``(N*H*W, C)`` flattened version).

    Dense logits of a segmentation head live at the decoder's stride (1/8 of the image for
    PSPNet), while the task loss and the prediction use them bilinearly upsampled to the
    image. ``upsample=8`` takes the KL there too: the teacher's soft boundaries then reach the
    student where its cross-entropy acts, instead of one hard-ish target per 8x8 block.

    With ``upsample``, mask the teacher's classes through ``teacher_mask`` (applied after the
    upsampling, so the top-K classes are chosen per output pixel), not through the distiller's
    ``teacher_transform``, which runs before the loss: a ``-inf`` logit masked at the tapped
    resolution is smeared by the bilinear weights into its neighbours (0 * -inf = NaN), so that
    combination is refused when the distiller is built (:meth:`check_teacher_transform`). The
    step itself does not look for ``-inf`` (that would cost a device sync per step): teacher
    logits that are ``-inf`` for another reason give a NaN loss, which the distiller's
    non-finite loss stop reports before the optimizer step.

    Args:
        tau: softmax temperature (> 0).
        loss_weight: multiplier of the returned loss (see :class:`DistillLoss`).
        upsample: bilinear upsampling factor of both (N, C, H, W) maps before the KL (mmseg's
            own resize: align_corners=False); 1 = at the tapped resolution.
        teacher_mask: None, or :class:`mmkd.TopKMask` arguments (e.g. ``dict(ratio=0.6,
            fill='-inf')``) applied to the teacher logits after any upsampling, per position
            over the classes.
    """

    def __init__(
        self,
        tau: float = 1.0,
        upsample: int = 1,
        teacher_mask: Union[None, TopKMask, Mapping[str, Any]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if tau <= 0:
            raise ValueError(f'KLDivergence: tau must be > 0, got {tau}')
        if int(upsample) != upsample or upsample < 1:
            raise ValueError(f'KLDivergence: upsample must be an integer >= 1, got {upsample}')
        self.tau = float(tau)
        self.upsample = int(upsample)
        self.teacher_mask = _build_teacher_mask(teacher_mask)

    def check_teacher_transform(self, transform: nn.Module) -> None:
        """Refuse a distiller ``teacher_transform`` this loss would turn into NaN (called by the
        distiller when it builds the loss)."""
        if (
            self.upsample > 1
            and isinstance(transform, TopKMask)
            and transform.fill == '-inf'
            and transform.ratio < 1
        ):
            raise ValueError(
                f"teacher_transform=TopKMask(fill='-inf') masks the teacher before "
                f'KLDivergence(upsample={self.upsample}) upsamples it, and the bilinear '
                'upsampling turns the -inf logits into NaN; mask after the upsampling instead: '
                f'move it into the loss as teacher_mask=dict(ratio={transform.ratio}, '
                f"fill='-inf') (or use fill='zero', or upsample=1)."
            )

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        name = type(self).__name__
        check_min_ndim(name, student, 2, 'logits of shape (N, C) or (N, C, *spatial)')
        check_same_shape(
            name,
            student,
            teacher,
            "add a connector to resize/project the student logits to the teacher's shape",
        )
        teacher = teacher.detach()
        if self.upsample > 1:
            if student.dim() != 4:
                raise ValueError(
                    f'{name}: upsample={self.upsample} needs (N, C, H, W) maps, '
                    f'got shape {tuple(student.shape)}; set upsample=1'
                )
            student, teacher = (
                F.interpolate(x, scale_factor=self.upsample, mode='bilinear', align_corners=False)
                for x in (student, teacher)
            )
        if self.teacher_mask is not None:
            teacher = self.teacher_mask(teacher)
        log_p_s = F.log_softmax(student / self.tau, dim=1)
        log_p_t = F.log_softmax(teacher / self.tau, dim=1)
        kl = kl_terms(log_p_t, log_p_s).sum(dim=1)  # (N, *spatial)
        return self.loss_weight * self.tau**2 * kl.mean()
