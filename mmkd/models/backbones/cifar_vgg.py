"""The CIFAR VGGs with BatchNorm of the KD literature (CRD / DKD / mdistiller zoo)."""

from typing import Sequence

import torch.nn as nn

from mmkd.registry import MODELS

from .cifar_base import DEFAULT_INIT_CFG, CIFARBackbone

# Conv widths of the 5 stages for each depth (depth = number of convs + 3 classifier layers of
# the original VGG; the CIFAR variants keep the name but use a single linear classifier).
ARCH_SETTINGS = {
    8: [[64], [128], [256], [512], [512]],
    11: [[64], [128], [256, 256], [512, 512], [512, 512]],
    13: [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
    16: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
    19: [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512], [512, 512, 512, 512]],
}


@MODELS.register_module()
class CIFARVGG(CIFARBackbone):
    """VGG-{8,11,13,16,19} with BN for 32x32 inputs: 5 stages of (conv3x3 + BN + ReLU) x m.

    Stages 2, 3 and 4 start with a 2x2 max-pool, so a 32x32 input gives stage outputs of
    32, 16, 8, 4 and 4 pixels; the fifth stage runs at 4x4 and the neck's global average pool
    replaces the zoo's final pooling. (The reference code also max-pools before the fifth stage
    only for 64x64 inputs; for CIFAR the two are identical.) Convs keep their bias, as in the zoo.
    The last stage has 512 channels for every depth.

    ======  =====  =======================
    Model   depth  params (100-class head)
    ======  =====  =======================
    VGG-8   8      3.96M
    VGG-13  13     9.46M
    ======  =====  =======================

    Feature taps: ``backbone.layer1`` .. ``backbone.layer5`` (post-ReLU, before the next stage's
    max-pool). There is no stem. Inside a stage, module ``backbone.layer{s}.{j}`` is the j-th
    layer of the sequence [max-pool,] conv, bn, relu, conv, bn, relu, ...

    Args:
        depth: one of 8, 11, 13, 16, 19.
        out_indices: stages (0-based, negatives allowed) whose outputs ``forward`` returns.
        init_cfg: MMEngine init config; Kaiming conv / unit BN by default.
    """

    num_stages = 5

    def __init__(
        self, depth: int, out_indices: Sequence[int] = (-1,), init_cfg=DEFAULT_INIT_CFG
    ) -> None:
        super().__init__(self.num_stages, out_indices, init_cfg)
        if depth not in ARCH_SETTINGS:
            raise ValueError(f'CIFARVGG depth must be one of {sorted(ARCH_SETTINGS)}, got {depth}')
        self.depth = depth
        in_channels = 3
        for i, widths in enumerate(ARCH_SETTINGS[depth]):
            layers = [nn.MaxPool2d(2, 2)] if i in (1, 2, 3) else []
            for width in widths:
                layers += [
                    nn.Conv2d(in_channels, width, 3, padding=1),
                    nn.BatchNorm2d(width),
                    nn.ReLU(),
                ]
                in_channels = width
            self.add_module(f'layer{i + 1}', nn.Sequential(*layers))
        self.out_channels = [widths[-1] for widths in ARCH_SETTINGS[depth]]
