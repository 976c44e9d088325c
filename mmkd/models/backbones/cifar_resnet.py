"""The CIFAR ResNets of the KD literature (CRD / DKD / mdistiller zoo): ResNet-20..110, -8x4, -32x4.

They differ from mmpretrain's ``ResNet_CIFAR`` (an ImageNet ResNet with a CIFAR stem, 4 wide
stages): these are He et al.'s 3-stage, 6n+2 layer networks, with 1x1-conv (option B) shortcuts.
"""

from typing import Optional, Sequence

import torch.nn as nn
from torch import Tensor

from mmkd.registry import MODELS

from .cifar_base import DEFAULT_INIT_CFG, CIFARBackbone


def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """Post-activation basic block: relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        self.downsample: Optional[nn.Module] = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


@MODELS.register_module()
class CIFARResNet(CIFARBackbone):
    """ResNet-{6n+2} for 32x32 inputs: a 3x3 stem, then 3 stages of n basic blocks.

    Stage widths are ``[16, 32, 64] * width_multiplier``; stages 2 and 3 halve the resolution,
    so a 32x32 input gives 32x32, 16x16 and 8x8 stage outputs (output stride 4 on the last).

    ================  =====  ================  ==========================
    Model             depth  width_multiplier  params (100-class head)
    ================  =====  ================  ==========================
    ResNet-20         20     1                 0.28M
    ResNet-32         32     1                 0.47M
    ResNet-56         56     1                 0.86M
    ResNet-110        110    1                 1.74M
    ResNet-8x4        8      4                 1.23M
    ResNet-32x4       32     4                 7.43M
    ================  =====  ================  ==========================

    Feature taps (module paths inside a classifier): ``backbone.stem`` (after conv-bn-relu),
    ``backbone.layer1``, ``backbone.layer2``, ``backbone.layer3`` (post-ReLU block outputs;
    ``layer3`` is what the neck pools). Single blocks are ``backbone.layer3.{i}``.

    Args:
        depth: 6n+2 with n >= 1, e.g. 8, 14, 20, 32, 44, 56, 110.
        width_multiplier: multiplies the stage widths (4 for the "x4" models).
        stem_channels: output channels of the stem conv. ``None`` picks the zoo's choice: 16 for
            width 1, and 32 otherwise, because the reference ResNet-8x4 / ResNet-32x4 use filters
            [32, 64, 128, 256] (stem 32, so layer1's first block has a 1x1 projection shortcut);
            that is what reproduces their 1.23M / 7.43M parameters and loads their checkpoints.
        out_indices: stages (0-based, negatives allowed) whose outputs ``forward`` returns.
        init_cfg: MMEngine init config; Kaiming conv / unit BN by default.
    """

    num_stages = 3

    def __init__(
        self,
        depth: int,
        width_multiplier: int = 1,
        stem_channels: Optional[int] = None,
        out_indices: Sequence[int] = (-1,),
        init_cfg=DEFAULT_INIT_CFG,
    ) -> None:
        super().__init__(self.num_stages, out_indices, init_cfg)
        if depth < 8 or (depth - 2) % 6 != 0:
            raise ValueError(
                'CIFARResNet depth must be 6n+2 with n >= 1 '
                f'(8, 14, 20, 32, 44, 56, 110, ...), got {depth}'
            )
        if width_multiplier < 1:
            raise ValueError(f'width_multiplier must be >= 1, got {width_multiplier}')
        self.depth = depth
        self.width_multiplier = width_multiplier
        if stem_channels is None:
            stem_channels = 16 if width_multiplier == 1 else 32
        num_blocks = (depth - 2) // 6
        widths = [16 * width_multiplier, 32 * width_multiplier, 64 * width_multiplier]

        self.stem = nn.Sequential(
            conv3x3(3, stem_channels), nn.BatchNorm2d(stem_channels), nn.ReLU()
        )
        in_channels = stem_channels
        for i, width in enumerate(widths):
            stride = 1 if i == 0 else 2
            blocks = [BasicBlock(in_channels, width, stride)]
            blocks += [BasicBlock(width, width) for _ in range(num_blocks - 1)]
            self.add_module(f'layer{i + 1}', nn.Sequential(*blocks))
            in_channels = width
        self.out_channels = widths
