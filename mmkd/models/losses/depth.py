"""Response distillation for monocular depth: student depth map against teacher depth map.

Eigen, Puhrsch, Fergus. "Depth Map Prediction from a Single Image using a Multi-Scale Deep
Network", NeurIPS 2014 (scale-invariant log error); Lee et al. "From Big to Small: Multi-Scale
Local Planar Guidance for Monocular Depth Estimation" (BTS), 2019 (its square-rooted form).
"""

from typing import Any, Optional

import torch
from torch import Tensor

from mmkd.registry import MODELS

from .base import DistillLoss
from .utils import check_same_shape


@MODELS.register_module()
class DepthResponseLoss(DistillLoss):
    """Distance between the student's and the teacher's (positive) depth maps.

    Inputs are ``(N, 1, H, W)`` or ``(N, H, W)`` depth maps of the same shape. A pixel is *valid*
    when the teacher depth is finite and ``> min_depth`` (and ``<= max_depth`` if given) and the
    student depth is finite; for ``mode='silog'`` the student depth must also be ``> 0`` (its
    log is taken). Invalid pixels are excluded; all valid pixels of the batch are pooled (one
    mean over the batch, not a mean of per-image losses). With no valid pixel the loss is 0
    (still attached to the student's graph).

    ``mode='silog'`` (default), with ``d = log(s) - log(t)`` over the valid pixels::

        loss = loss_weight * sqrt( mean(d²) - variance_focus * mean(d)² )

    This is the square-rooted scale-invariant log error of BTS / AdaBins (Eigen et al.'s
    eq. 4 with lambda = ``variance_focus``, under a sqrt and without BTS's x10 factor). The sqrt
    puts the loss in log-depth units, like an RMSE. ``variance_focus=0.85`` (the BTS value)
    mostly penalises the *variance* of the log error (relative structure) but keeps a small
    penalty on the global log-scale offset, so the student also learns the teacher's absolute
    scale; 1.0 is fully scale-invariant, 0.0 is plain RMSE in log space. The term under the
    sqrt is >= 0 in exact arithmetic for variance_focus <= 1 but rounding can make it a tiny
    negative; when it is ``<= eps`` the loss is 0 (its true value is at most sqrt(eps)), which
    also keeps the sqrt's gradient finite when student == teacher.

    ``mode='l1'``, over the valid pixels::

        loss = loss_weight * mean(|s - t|)

    (a student depth <= 0 stays valid here, so a non-positive prediction is still penalised).

    Args:
        mode: ``'silog'`` or ``'l1'``.
        loss_weight: multiplier of the returned loss (see :class:`DistillLoss`).
        variance_focus: lambda of the silog loss, in [0, 1]. Default 0.85 (BTS).
        eps: silog threshold under the sqrt, see above. Default 1e-6.
        min_depth: teacher depths ``<= min_depth`` are invalid. Default 0.0 (must be positive).
        max_depth: teacher depths ``> max_depth`` are invalid; None (default) means no cap.
    """

    modes = ('silog', 'l1')

    def __init__(
        self,
        mode: str = 'silog',
        variance_focus: float = 0.85,
        eps: float = 1e-6,
        min_depth: float = 0.0,
        max_depth: Optional[float] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if mode not in self.modes:
            raise ValueError(f'DepthResponseLoss: mode must be one of {self.modes}, got {mode!r}')
        if not 0.0 <= variance_focus <= 1.0:
            raise ValueError(
                f'DepthResponseLoss: variance_focus must be in [0, 1], got {variance_focus}'
            )
        if min_depth < 0:
            raise ValueError(f'DepthResponseLoss: min_depth must be >= 0, got {min_depth}')
        if max_depth is not None and max_depth <= min_depth:
            raise ValueError(
                f'DepthResponseLoss: max_depth ({max_depth}) must be > min_depth ({min_depth})'
            )
        self.mode = mode
        self.variance_focus = float(variance_focus)
        self.eps = float(eps)
        self.min_depth = float(min_depth)
        self.max_depth = None if max_depth is None else float(max_depth)

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        name = type(self).__name__
        if student.dim() not in (3, 4) or (student.dim() == 4 and student.shape[1] != 1):
            raise ValueError(
                f'{name}: expected depth maps of shape (N, 1, H, W) or (N, H, W), got student '
                f'shape {tuple(student.shape)}'
            )
        check_same_shape(
            name,
            student,
            teacher,
            "add a connector to resize the student depth to the teacher's resolution "
            '(e.g. bilinear interpolation)',
        )
        teacher = teacher.detach()

        valid = torch.isfinite(teacher) & (teacher > self.min_depth) & torch.isfinite(student)
        if self.max_depth is not None:
            valid = valid & (teacher <= self.max_depth)
        if self.mode == 'silog':
            valid = valid & (student > 0)
        s = student[valid]
        t = teacher[valid]
        if s.numel() == 0:
            return s.sum() * 0.0

        if self.mode == 'l1':
            return self.loss_weight * (s - t).abs().mean()

        d = torch.log(s) - torch.log(t)
        value = (d**2).mean() - self.variance_focus * d.mean() ** 2
        loss = torch.where(
            value > self.eps, value.clamp(min=self.eps).sqrt(), torch.zeros_like(value)
        )
        return self.loss_weight * loss
