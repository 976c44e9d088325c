"""Relation losses for AID's teacher adaptation: how far the *distribution* of the teacher's
outputs within each class is from the reference student's.

AID ("A Good Teacher Adapts Their Knowledge for Distillation", ICCV 2025) fine-tunes the teacher
so that the intra-class distribution of its outputs suits the student. Its exact objective is
not public; these losses are mmkd's reading of it (see ``configs/aid/README.md``). In each,
``prediction`` is the tensor of the model being trained (the teacher under adaptation) and
``target`` the frozen reference student's; only ``prediction`` gets a gradient.
"""

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from mmkd.registry import MODELS

from .base import DistillLoss
from .dist import pearson_rows
from .utils import check_min_ndim, check_same_shape, flat_labels, kl_terms

_SHAPE_HINT = (
    'both models must give class maps of the same size; tap the same kind of '
    'output (e.g. decode_head.conv_seg) in both'
)


def _class_rows(logits: Tensor) -> Tensor:
    """``(N, C)`` or ``(N, C, *spatial)`` -> ``(rows, C)``: pixels of dense maps are samples."""
    return logits.movedim(1, -1).reshape(-1, logits.shape[1])


@MODELS.register_module()
class IntraClassRelation(DistillLoss):
    """1 - Pearson correlation, per class, of the two models' softened probabilities across the
    samples of the batch (the pixels, for dense maps), averaged over the classes::

        P = softmax(prediction / tau), Q = softmax(target / tau)     as (rows, C) matrices
        loss = loss_weight * (1 - mean_c pearson(P[:, c], Q[:, c]))

    0 when, within every class, the prediction ranks and spaces the samples as the target does;
    at most 2. A class whose probabilities are constant over the batch (in either model) has
    correlation 0 and adds a constant 1 with no gradient.

    Args:
        tau: softmax temperature (> 0).
        eps: added to the correlation's denominator.
        loss_weight: multiplier of the returned loss (see :class:`DistillLoss`).
    """

    def __init__(self, tau: float = 4.0, eps: float = 1e-8, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if tau <= 0:
            raise ValueError(f'IntraClassRelation: tau must be > 0, got {tau}')
        self.tau, self.eps = float(tau), float(eps)

    def forward(self, prediction: Tensor, target: Tensor) -> Tensor:
        name = type(self).__name__
        check_min_ndim(name, prediction, 2, 'logits of shape (N, C) or (N, C, *spatial)')
        check_same_shape(name, prediction, target, _SHAPE_HINT)
        p = (_class_rows(prediction) / self.tau).softmax(dim=1)
        q = (_class_rows(target.detach()) / self.tau).softmax(dim=1)
        return self.loss_weight * (1.0 - pearson_rows(p.t(), q.t(), self.eps).mean())


@MODELS.register_module()
class NonTargetRelation(DistillLoss):
    """KL between the two models' distributions over the *non-target* classes (the target
    class removed and the rest renormalised), per sample or pixel, times tau²::

        q_t = softmax over c != y of target / tau,  q_p = likewise for prediction
        loss = loss_weight * tau² * mean over labelled rows of KL(q_t || q_p)

    The alternative reading of AID's "intra-class distribution": the shape of the wrong-class
    probabilities. Needs the labels (``(N,)``, or ``(N, H, W)`` resized to the logits by nearest
    neighbour; ``ignore_index`` rows are skipped).

    Args:
        tau: softmax temperature (> 0).
        ignore_index: label of unlabelled pixels.
        loss_weight: multiplier of the returned loss (see :class:`DistillLoss`).
    """

    #: the adapter passes the ground-truth labels as ``labels=``
    needs_labels = True

    def __init__(self, tau: float = 4.0, ignore_index: int = 255, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if tau <= 0:
            raise ValueError(f'NonTargetRelation: tau must be > 0, got {tau}')
        self.tau, self.ignore_index = float(tau), int(ignore_index)

    def forward(self, prediction: Tensor, target: Tensor, labels: Tensor) -> Tensor:
        name = type(self).__name__
        check_min_ndim(name, prediction, 2, 'logits of shape (N, C) or (N, C, *spatial)')
        check_same_shape(name, prediction, target, _SHAPE_HINT)
        num_classes = prediction.shape[1]
        if num_classes < 3:
            raise ValueError(
                f'{name}: needs at least 3 classes (2 non-target ones to '
                f'compare), got {num_classes}'
            )
        rows = flat_labels(name, labels, prediction)
        valid = rows != self.ignore_index
        if ((rows[valid] < 0) | (rows[valid] >= num_classes)).any():
            raise ValueError(
                f'{name}: labels must lie in [0, {num_classes}) or equal '
                f'ignore_index={self.ignore_index}'
            )
        if not valid.any():
            return prediction.sum() * 0.0
        p = _class_rows(prediction)[valid] / self.tau
        q = _class_rows(target.detach())[valid] / self.tau
        is_target = F.one_hot(rows[valid], num_classes).bool()
        log_p = F.log_softmax(p.masked_fill(is_target, -torch.inf), dim=1)
        log_q = F.log_softmax(q.masked_fill(is_target, -torch.inf), dim=1)
        return self.loss_weight * self.tau**2 * kl_terms(log_q, log_p).sum(dim=1).mean()


@MODELS.register_module()
class LogDepthRelation(DistillLoss):
    """The depth counterpart: 1 - Pearson correlation of the two models' log-depth across the
    pixels of each image, averaged over the images::

        loss = loss_weight * (1 - mean_n pearson(log d_pred[n, :], log d_target[n, :]))

    Scale-free (a global depth factor changes nothing), so the teacher's metric depth is left to
    its own loss and the anchor term. Depths are clamped to ``min_depth`` before the log.

    Args:
        min_depth: lower clamp of both depth maps (avoids log 0).
        eps: added to the correlation's denominator.
        loss_weight: multiplier of the returned loss (see :class:`DistillLoss`).
    """

    def __init__(self, min_depth: float = 1e-3, eps: float = 1e-8, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if min_depth <= 0:
            raise ValueError(f'LogDepthRelation: min_depth must be > 0, got {min_depth}')
        self.min_depth, self.eps = float(min_depth), float(eps)

    def forward(self, prediction: Tensor, target: Tensor) -> Tensor:
        name = type(self).__name__
        check_min_ndim(name, prediction, 3, 'depth maps of shape (N, 1, H, W) or (N, H, W)')
        check_same_shape(
            name, prediction, target, 'tap the depth maps of both models (decode_head.depth_act)'
        )
        log_p = prediction.clamp_min(self.min_depth).log().flatten(1)
        log_q = target.detach().clamp_min(self.min_depth).log().flatten(1)
        return self.loss_weight * (1.0 - pearson_rows(log_p, log_q, self.eps).mean())
