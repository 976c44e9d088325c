"""Shape checks and the KL term shared by the distillation losses."""

from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


def check_same_shape(name: str, student: Tensor, teacher: Tensor, hint: str) -> None:
    """Raise a ValueError naming both shapes and ``hint`` when they differ."""
    if student.shape != teacher.shape:
        raise ValueError(
            f'{name}: student shape {tuple(student.shape)} does not match teacher shape '
            f'{tuple(teacher.shape)}; {hint}'
        )


def check_min_ndim(name: str, tensor: Tensor, min_ndim: int, expected: str) -> None:
    """Raise a ValueError when ``tensor`` has fewer than ``min_ndim`` dimensions."""
    if tensor.dim() < min_ndim:
        raise ValueError(f'{name}: expected {expected}, got shape {tuple(tensor.shape)}')


def kl_terms(log_p_t: Tensor, log_p_s: Tensor) -> Tensor:
    """Elementwise p_t * (log p_t - log p_s), with 0 where p_t = 0.

    Classes the teacher gives zero probability (e.g. logits masked to -inf by
    ``TopKMask(fill='-inf')``) contribute nothing instead of 0 * inf = NaN.
    """
    p_t = log_p_t.exp()
    return p_t * torch.where(p_t > 0, log_p_t - log_p_s, torch.zeros_like(log_p_s))


def labels_from_data_samples(data_samples: Sequence[Any]) -> Tensor:
    """The ground truth of a batch as the label tensor that losses with ``needs_labels = True``
    (e.g. DKD) receive.

    * mmpretrain ``DataSample`` with ``gt_label`` (one class each): ``(N,)`` long.
    * mmseg ``SegDataSample`` with ``gt_sem_seg``: ``(N, H, W)`` long (the batch's padded maps,
      padding = the preprocessor's ``seg_pad_val``, 255 in mmkd's configs, i.e. ignored).

    Raises ValueError for samples with neither (e.g. depth, whose ``gt_depth_map`` is no class).
    """
    if not data_samples:
        raise ValueError('no data samples to read labels from')
    first = data_samples[0]
    if 'gt_sem_seg' in first:
        return torch.stack(
            [s.gt_sem_seg.data.reshape(s.gt_sem_seg.data.shape[-2:]) for s in data_samples]
        ).long()
    if 'gt_label' in first:
        labels = []
        for s in data_samples:
            label = torch.as_tensor(s.gt_label).reshape(-1)
            if label.numel() != 1:
                raise ValueError(
                    f'a sample has {label.numel()} gt labels; a label-aware loss '
                    'needs exactly one class per sample'
                )
            labels.append(label)
        return torch.cat(labels).long()
    raise ValueError(
        'the data samples carry no class labels (gt_label or gt_sem_seg), which this loss needs'
    )


def flat_labels(name: str, labels: Tensor, logits: Tensor) -> Tensor:
    """Labels as one row per row of the ``(N, *spatial, C)``-flattened ``logits``: ``(N,)`` for
    ``(N, C)`` logits; for dense ``(N, C, *spatial)`` maps, ``(N, *spatial)`` (or
    ``(N, 1, *spatial)``) labels, resized to the logits by nearest neighbour when they differ."""
    n = logits.shape[0]
    labels = torch.as_tensor(labels, device=logits.device)
    if logits.dim() == 2:
        if labels.numel() != n:
            raise ValueError(
                f'{name}: {n} samples but labels of shape {tuple(labels.shape)}; expected ({n},)'
            )
        return labels.reshape(n).long()
    spatial = logits.shape[2:]
    if labels.dim() == logits.dim():  # (N, 1, *spatial)
        labels = labels.squeeze(1)
    if labels.dim() != logits.dim() - 1 or labels.shape[0] != n:
        raise ValueError(
            f'{name}: dense logits {tuple(logits.shape)} need labels of shape '
            f'(N, *spatial), got {tuple(labels.shape)}'
        )
    if labels.shape[1:] != spatial:
        labels = F.interpolate(labels[:, None].float(), size=spatial, mode='nearest')[:, 0]
    return labels.long().reshape(-1)
