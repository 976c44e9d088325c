"""The Feature Fusion Block of SDKD (Student-Driven Knowledge Distillation, ICME 2025).

It builds the *proxy teacher*'s feature at one stage from a teacher feature and the proxy's
(= the student's) own feature at that stage::

    teacher (N, Ct, Ht, Wt) --resize to (Hs, Ws) if needed--+
                                                            +-> concat (N, Ct + Cs, Hs, Ws)
    student (N, Cs, Hs, Ws) --------------------------------+
        -> num_convs x [conv k x k - norm - act]  (Ct + Cs -> channels -> ... -> Cs)
        -> (N, Cs, Hs, Ws): a feature with the student's dimensions
"""

from typing import Optional

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from torch import Tensor, nn

from mmkd.registry import MODELS


@MODELS.register_module()
class FeatureFusionBlock(nn.Module):
    """Fuses a teacher feature into the student's feature space (SDKD's FFB).

    Args:
        student_channels: channels of the student (proxy) feature, also the output channels.
        teacher_channels: channels of the teacher feature.
        channels: width of the hidden conv blocks; ``None`` uses ``student_channels``.
        num_convs: number of conv-norm-act blocks (>= 1); the first maps the concatenation to
            ``channels``, the last maps to ``student_channels``.
        kernel_size: kernel of every conv (odd; padding keeps the spatial size).
        norm_cfg: mmcv norm config (``dict(type='SyncBN')`` for multi-GPU runs), or None.
        act_cfg: mmcv activation config of every block.
        last_act: whether the last block has the activation too. Keep True for post-ReLU stage
            outputs (ResNets); set False for pre-activation features (WRN ``layer1``/``layer2``)
            so that the fused feature can be negative like the student's.
        resize_mode: interpolation mode used when the teacher feature has another spatial size.
        align_corners: passed to the interpolation (ignored for ``'nearest'``).
    """

    def __init__(
        self,
        student_channels: int,
        teacher_channels: int,
        channels: Optional[int] = None,
        num_convs: int = 2,
        kernel_size: int = 3,
        norm_cfg: Optional[dict] = dict(type='BN'),  # noqa: B006 (read only)
        act_cfg: Optional[dict] = dict(type='ReLU'),  # noqa: B006 (read only)
        last_act: bool = True,
        resize_mode: str = 'bilinear',
        align_corners: bool = False,
    ) -> None:
        super().__init__()
        if num_convs < 1:
            raise ValueError(f'FeatureFusionBlock: num_convs must be >= 1, got {num_convs}')
        if kernel_size % 2 != 1:
            raise ValueError(f'FeatureFusionBlock: kernel_size must be odd, got {kernel_size}')
        self.student_channels = int(student_channels)
        self.teacher_channels = int(teacher_channels)
        self.channels = int(channels or student_channels)
        self.resize_mode = resize_mode
        self.align_corners = None if resize_mode == 'nearest' else align_corners
        widths = [self.student_channels + self.teacher_channels]
        widths += [self.channels] * (num_convs - 1) + [self.student_channels]
        self.convs = nn.Sequential(
            *[
                ConvModule(
                    c_in,
                    c_out,
                    kernel_size,
                    padding=kernel_size // 2,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg if (i < num_convs - 1 or last_act) else None,
                    inplace=False,
                )
                for i, (c_in, c_out) in enumerate(zip(widths[:-1], widths[1:]))
            ]
        )

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        """``student``: the proxy's own feature (N, Cs, Hs, Ws); ``teacher``: (N, Ct, Ht, Wt)."""
        for name, x, c in (
            ('student', student, self.student_channels),
            ('teacher', teacher, self.teacher_channels),
        ):
            if x.dim() != 4 or x.shape[1] != c:
                raise ValueError(
                    f'FeatureFusionBlock expects a {name} feature (N, {c}, H, W), got shape '
                    f'{tuple(x.shape)}; set ffb.{name}_channels={x.shape[1]} or tap a conv '
                    'stage output.'
                )
        if teacher.shape[0] != student.shape[0]:
            raise ValueError(
                f'FeatureFusionBlock: batch sizes differ ({teacher.shape[0]} vs {student.shape[0]})'
            )
        if teacher.shape[2:] != student.shape[2:]:
            teacher = F.interpolate(
                teacher,
                size=student.shape[2:],
                mode=self.resize_mode,
                align_corners=self.align_corners,
            )
        return self.convs(torch.cat([teacher.to(student.dtype), student], dim=1))
