"""Plumbing shared by the CIFAR KD-zoo backbones: a stem, stages ``layer1..layerN``, out_indices.

Keeping the stages as plain attributes named ``layer{i}`` is what lets distillers tap a feature
by module path (``backbone.layer3``) without any backbone-specific code. The backbones use no
in-place activations, so a forward hook on any module (e.g. a BN before its ReLU) keeps the value
that module produced.
"""

from typing import Sequence, Tuple

import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

# Kaiming(fan_out) for convs, BN weight 1 / bias 0: the initialisation the KD-zoo models train with.
# Like every MMEngine init_cfg it only takes effect when ``init_weights()`` is called (the Runner
# does that); otherwise PyTorch's default initialisation is kept. '_BatchNorm' matches every
# BatchNorm variant because MMEngine's initialisers also compare the layer's base-class names.
DEFAULT_INIT_CFG = [
    dict(type='Kaiming', layer='Conv2d', mode='fan_out', nonlinearity='relu'),
    dict(type='Constant', val=1, bias=0, layer='_BatchNorm'),
]


def normalize_out_indices(out_indices: Sequence[int], num_stages: int) -> Tuple[int, ...]:
    """Turn possibly negative stage indices into sorted non-negative ones, rejecting bad values."""
    if isinstance(out_indices, int):
        out_indices = (out_indices,)
    result = []
    for index in out_indices:
        if not -num_stages <= index < num_stages:
            raise ValueError(
                f'out_indices must lie in [-{num_stages}, {num_stages - 1}] for a '
                f'{num_stages}-stage backbone, got {tuple(out_indices)}'
            )
        result.append(index % num_stages)
    return tuple(sorted(set(result)))


class CIFARBackbone(BaseModule):
    """Base for backbones made of ``stem`` followed by stages ``layer1 .. layer{num_stages}``.

    Subclasses build ``self.stem`` and the ``layer{i}`` modules; ``forward`` returns the outputs
    of the stages in ``out_indices`` (before any global pooling), like mmpretrain backbones.
    """

    def __init__(
        self, num_stages: int, out_indices: Sequence[int] = (-1,), init_cfg=DEFAULT_INIT_CFG
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_stages = num_stages
        self.out_indices = normalize_out_indices(out_indices, num_stages)
        self.stem: nn.Module = nn.Identity()

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        x = self.stem(x)
        outs = []
        for i in range(self.num_stages):
            x = getattr(self, f'layer{i + 1}')(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
