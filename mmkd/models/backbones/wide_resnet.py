"""Wide ResNets (Zagoruyko & Komodakis, 2016) for 32x32 inputs, as used in the KD literature."""

from typing import Sequence

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmkd.registry import MODELS

from .cifar_base import DEFAULT_INIT_CFG, CIFARBackbone


class PreActBlock(nn.Module):
    """Pre-activation basic block: conv(relu(bn(conv(relu(bn(x)))))) + shortcut.

    When the shape changes, the 1x1 projection shortcut takes the *activated* input (as in the
    reference WRN); otherwise the shortcut is the raw input.
    """

    def __init__(
        self, in_channels: int, out_channels: int, stride: int = 1, drop_rate: float = 0.0
    ) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.relu = nn.ReLU()
        self.drop_rate = drop_rate
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        activated = self.relu(self.bn1(x))
        identity = x if self.shortcut is None else self.shortcut(activated)
        out = self.relu(self.bn2(self.conv1(activated)))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        return self.conv2(out) + identity


@MODELS.register_module()
class WideResNet(CIFARBackbone):
    """Pre-activation WRN-d-k: a 3x3 stem (16 ch), then 3 stages of n=(d-4)/6 blocks.

    Stage widths are ``[16, 32, 64] * widen_factor``; stages 2 and 3 halve the resolution.
    Because blocks are pre-activation, a stage's raw output is a residual sum; the network's
    final BN + ReLU are therefore the last two modules of ``layer3`` so that the last feature
    (the one pooled by the neck and tapped by distillers) is post-activation, while
    ``layer1``/``layer2`` outputs are pre-activation, as in the reference implementation.

    ===========  =====  =============  =======================
    Model        depth  widen_factor   params (100-class head)
    ===========  =====  =============  =======================
    WRN-16-2     16     2              0.70M
    WRN-40-1     40     1              0.57M
    WRN-40-2     40     2              2.26M
    ===========  =====  =============  =======================

    Feature taps: ``backbone.stem`` (the first conv), ``backbone.layer1``, ``backbone.layer2``
    (pre-activation residual sums), ``backbone.layer3`` (after the final BN + ReLU).
    The final BN / ReLU themselves are ``backbone.layer3.bn`` / ``backbone.layer3.relu``, and
    block ``i`` of stage ``s`` is ``backbone.layer{s}.{i}``.

    Args:
        depth: 6n+4 with n >= 1, e.g. 10, 16, 22, 28, 40.
        widen_factor: k, multiplies the stage widths.
        drop_rate: dropout probability between the two convs of every block.
        out_indices: stages (0-based, negatives allowed) whose outputs ``forward`` returns.
        init_cfg: MMEngine init config; Kaiming conv / unit BN by default.
    """

    num_stages = 3

    def __init__(
        self,
        depth: int,
        widen_factor: int = 1,
        drop_rate: float = 0.0,
        out_indices: Sequence[int] = (-1,),
        init_cfg=DEFAULT_INIT_CFG,
    ) -> None:
        super().__init__(self.num_stages, out_indices, init_cfg)
        if depth < 10 or (depth - 4) % 6 != 0:
            raise ValueError(
                f'WideResNet depth must be 6n+4 with n >= 1 (10, 16, 22, 28, 40, ...), got {depth}'
            )
        if widen_factor < 1:
            raise ValueError(f'widen_factor must be >= 1, got {widen_factor}')
        self.depth = depth
        self.widen_factor = widen_factor
        num_blocks = (depth - 4) // 6
        widths = [16 * widen_factor, 32 * widen_factor, 64 * widen_factor]

        self.stem = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        in_channels = 16
        for i, width in enumerate(widths):
            stride = 1 if i == 0 else 2
            blocks = [PreActBlock(in_channels, width, stride, drop_rate)]
            blocks += [PreActBlock(width, width, 1, drop_rate) for _ in range(num_blocks - 1)]
            stage = nn.Sequential(*blocks)
            if i == len(widths) - 1:
                stage.add_module('bn', nn.BatchNorm2d(width))
                stage.add_module('relu', nn.ReLU())
            self.add_module(f'layer{i + 1}', stage)
            in_channels = width
        self.out_channels = widths
