"""Decoupled knowledge distillation.

Zhao, Cui, Song, Qiu, Liang. "Decoupled Knowledge Distillation", CVPR 2022.
"""

from typing import Any, Optional

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from torch import Tensor

from mmkd.registry import MODELS

from .base import DistillLoss
from .utils import check_min_ndim, check_same_shape, flat_labels


def _plogp_diff(p_t: Tensor, log_p_t: Tensor, log_p_s: Tensor, keep: Tensor) -> Tensor:
    """``sum p_t * (log p_t - log p_s)`` over dim 1, counting only ``keep & (p_t > 0)`` (so that
    zero-probability entries, e.g. -inf logits, contribute exactly 0 and no NaN)."""
    use = keep & (p_t > 0)
    zero = torch.zeros((), dtype=log_p_t.dtype, device=log_p_t.device)
    diff = torch.where(use, log_p_t, zero) - torch.where(use, log_p_s, zero)
    return (torch.where(use, p_t, zero) * diff).sum(dim=1)


@MODELS.register_module()
class DKDLoss(DistillLoss):
    """DKD: KD split into a target-class term (TCKD) and a non-target-class term (NCKD).

    Per sample (or per pixel of ``(N, C, H, W)`` maps) with ground-truth class ``g`` and
    ``p = softmax(z / tau)`` over the C classes:

    * TCKD is the KL between the binary distributions ``b = [p_g, 1 - p_g]`` of teacher and
      student: ``KL(b_T || b_S)``;
    * NCKD is the KL between the distributions over the non-target classes,
      ``q = softmax(z_{j != g} / tau)``: ``KL(q_T || q_S)``;

    and::

        loss = loss_weight * w(t) * tau² * mean_over_valid_positions( alpha * TCKD + beta * NCKD )

    which is the official implementation's (sum over classes, mean over the batch, times tau²).
    ``w(t) = min((t + 1) / warmup, 1)`` is the linear warm-up, ``t`` the 0-based epoch
    (``warmup_by='epoch'``, as the official code: epoch 1 of 20 gets 1/20) or iteration
    (``warmup_by='iter'``) read from MMEngine's ``MessageHub`` (``get_info('epoch' / 'iter')``).
    Outside a runner (no such info) and with ``warmup=0``, ``w = 1``.

    Labels: DKD needs the ground-truth class, passed as ``labels=``: ``(N,)`` for ``(N, C)``
    logits, ``(N, H', W')`` (or ``(N, 1, H', W')``) for dense maps; a label map of another size
    than the logits is resized to them by nearest-neighbour. Positions labelled ``ignore_index``
    are left out of the mean; with none left the loss is 0 (attached to the graph). See
    :func:`labels_from_data_samples` and ``needs_labels``.

    Teacher logits of ``-inf`` (``TopKMask(fill='-inf')``) are zero-probability classes and are
    handled exactly; a position whose teacher has no finite non-target logit has NCKD 0.

    Args:
        alpha: TCKD weight (1.0 in the paper).
        beta: NCKD weight (8.0 in the paper's CIFAR default; 6.0 for WRN-40-2 -> WRN-16-2).
        tau: temperature (4.0 on CIFAR).
        warmup: length of the linear warm-up in ``warmup_by`` units (the paper: 20 epochs);
            0 disables it.
        warmup_by: ``'epoch'`` or ``'iter'``.
        ignore_index: label of positions to ignore (dense maps).
        loss_weight: multiplier of the returned loss (see :class:`DistillLoss`).
    """

    #: the distiller must pass the ground-truth labels as ``labels=`` (see the module docs)
    needs_labels = True

    def __init__(
        self,
        alpha: float = 1.0,
        beta: float = 8.0,
        tau: float = 4.0,
        warmup: int = 0,
        warmup_by: str = 'epoch',
        ignore_index: int = 255,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if tau <= 0:
            raise ValueError(f'DKDLoss: tau must be > 0, got {tau}')
        if warmup < 0:
            raise ValueError(f'DKDLoss: warmup must be >= 0, got {warmup}')
        if warmup_by not in ('epoch', 'iter'):
            raise ValueError(f"DKDLoss: warmup_by must be 'epoch' or 'iter', got {warmup_by!r}")
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.tau = float(tau)
        self.warmup = warmup
        self.warmup_by = warmup_by
        self.ignore_index = int(ignore_index)

    def warmup_factor(self) -> float:
        """``min((t + 1) / warmup, 1)`` with ``t`` the current 0-based epoch or iteration."""
        if not self.warmup:
            return 1.0
        progress = MessageHub.get_current_instance().get_info(self.warmup_by)
        if progress is None:
            return 1.0
        return min((int(progress) + 1) / self.warmup, 1.0)

    def forward(self, student: Tensor, teacher: Tensor, labels: Optional[Tensor] = None) -> Tensor:
        name = type(self).__name__
        check_min_ndim(name, student, 2, 'logits of shape (N, C) or (N, C, *spatial)')
        check_same_shape(
            name,
            student,
            teacher,
            "add a connector to resize/project the student logits to the teacher's shape",
        )
        if labels is None:
            raise ValueError(
                f'{name} needs the ground-truth labels (labels=...): it decouples the target '
                'class from the others. The distiller passes them to losses with '
                '`needs_labels = True`; called directly, give labels=(N,) or (N, H, W).'
            )
        num_classes = student.shape[1]
        if num_classes < 2:
            raise ValueError(f'{name}: needs at least 2 classes, got {num_classes}')
        target_rows = flat_labels(type(self).__name__, labels, student)
        s = student.movedim(1, -1).reshape(-1, num_classes) / self.tau
        t = teacher.detach().movedim(1, -1).reshape(-1, num_classes) / self.tau

        valid = target_rows != self.ignore_index
        bad = valid & ((target_rows < 0) | (target_rows >= num_classes))
        if bad.any():
            raise ValueError(
                f'{name}: labels must lie in [0, {num_classes}) or equal '
                f'ignore_index={self.ignore_index}, got '
                f'{sorted(set(target_rows[bad].tolist()))[:5]}'
            )
        if not valid.any():
            return student.sum() * 0.0
        s, t, target = s[valid], t[valid], target_rows[valid]
        gt = F.one_hot(target, num_classes).bool()
        other = ~gt

        # TCKD: binary [target, non-target] probabilities, in log space for stability
        log_p_s = F.log_softmax(s, dim=1)
        log_p_t = F.log_softmax(t, dim=1)
        log_b_s = torch.stack(
            [log_p_s[gt], torch.logsumexp(log_p_s.masked_fill(gt, -torch.inf), dim=1)], dim=1
        )
        log_b_t = torch.stack(
            [log_p_t[gt], torch.logsumexp(log_p_t.masked_fill(gt, -torch.inf), dim=1)], dim=1
        )
        tckd = _plogp_diff(log_b_t.exp(), log_b_t, log_b_s, torch.ones_like(log_b_t, dtype=bool))

        # NCKD: distributions over the non-target classes only
        has_other = (torch.isfinite(t) & other).any(dim=1, keepdim=True)
        t_other = torch.where(has_other, t, torch.zeros_like(t)).masked_fill(gt, -torch.inf)
        log_q_t = F.log_softmax(t_other, dim=1)
        log_q_s = F.log_softmax(s.masked_fill(gt, -torch.inf), dim=1)
        nckd = _plogp_diff(log_q_t.exp(), log_q_t, log_q_s, other & has_other)

        loss = (self.alpha * tckd + self.beta * nckd).mean()
        return self.loss_weight * self.warmup_factor() * self.tau**2 * loss
