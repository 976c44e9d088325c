"""Connectors map a student tap onto the teacher tap's shape before a loss compares them.

They are explicit and configured per loss (``connector=dict(type='mmkd.ConvConnector', ...)``):
mmkd never resizes or projects silently. Trainable connectors are saved with the student.
"""

from typing import Optional

import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS


def _resize_like(x: Tensor, target: Tensor, mode: str, align_corners: Optional[bool]) -> Tensor:
    if x.dim() < 3 or x.shape[2:] == target.shape[2:]:
        return x
    return F.interpolate(x, size=target.shape[2:], mode=mode, align_corners=align_corners)


@MODELS.register_module()
class ResizeConnector(nn.Module):
    """Resizes the student map to the teacher's spatial size (e.g. logits at another stride)."""

    def __init__(self, mode: str = 'bilinear', align_corners: Optional[bool] = False) -> None:
        super().__init__()
        self.mode = mode
        self.align_corners = None if mode == 'nearest' else align_corners

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        return _resize_like(student, teacher, self.mode, self.align_corners)


@MODELS.register_module()
class ConvConnector(nn.Module):
    """1x1 conv (+ BN) from the student's channels to the teacher's, then resize if needed.

    This is FitNet's regressor. It works on (N, C) vectors too (as a linear layer).
    """

    def __init__(
        self, in_channels: int, out_channels: int, norm: bool = True, resize_mode: str = 'bilinear'
    ) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.proj = nn.Conv2d(in_channels, out_channels, 1, bias=not norm)
        self.norm = nn.BatchNorm2d(out_channels) if norm else nn.Identity()
        self.resize_mode = resize_mode

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        if student.shape[1] != self.in_channels:
            raise ValueError(
                f'ConvConnector expects {self.in_channels} student channels but got '
                f'{student.shape[1]} (shape {tuple(student.shape)}); set in_channels='
                f'{student.shape[1]}.'
            )
        if student.dim() == 2:  # vectors: a linear layer (+ BN), nothing to resize
            return self.norm(self.proj(student[:, :, None, None])).flatten(1)
        return _resize_like(self.norm(self.proj(student)), teacher, self.resize_mode, False)
