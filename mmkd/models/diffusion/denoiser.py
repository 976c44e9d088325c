"""DiffKD's light feature denoiser: predicts the noise in a noisy feature map.

Huang et al. "Knowledge Diffusion for Distillation" (DiffKD), NeurIPS 2023, hunto/DiffKD: a
learned time embedding added to the input, two residual bottlenecks, a 1x1 conv + BN. It works
on the features themselves (no U-Net, no down-sampling), so it stays small and is used only
during training.
"""

from typing import Optional, Union

import torch
from mmcv.cnn import ConvModule
from torch import Tensor, nn

from mmkd.registry import MODELS


class _Bottleneck(nn.Module):
    """``x + (1x1 -> 3x3 -> 1x1)(x)`` at ``channels // reduction`` inside, BN after every conv
    and ReLU after the first two; no activation after the sum (as DiffKD: the blocks carry a
    noise estimate, which is signed)."""

    def __init__(self, channels: int, reduction: int, norm_cfg: dict) -> None:
        super().__init__()
        hidden = max(channels // reduction, 1)
        self.block = nn.Sequential(
            ConvModule(channels, hidden, 1, norm_cfg=norm_cfg),
            ConvModule(hidden, hidden, 3, padding=1, norm_cfg=norm_cfg),
            ConvModule(hidden, channels, 1, norm_cfg=norm_cfg, act_cfg=None),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.block(x)


@MODELS.register_module()
class FeatureDenoiser(nn.Module):
    """Noise predictor ``eps(x_t, t)`` for ``(N, C, H, W)`` feature maps or ``(N, C)`` vectors.

    ``x_t + E[t]`` with ``E = nn.Embedding(num_train_steps, C)``, a learned per-timestep vector
    broadcast over the positions (DiffKD's choice; its table has 1280 rows for T = 1000, here it
    has exactly T), then ``num_blocks`` residual bottlenecks and a final 1x1 conv + BN. Convs
    followed by BN carry no bias (it would duplicate BN's shift). ``(N, C)`` vectors, e.g.
    pooled classification features, are run as ``(N, C, 1, 1)`` maps, on which the 3x3 conv sees
    only its centre tap.

    At 128 channels this has 180,224 parameters (128,000 of them the embedding table); DiffKD
    reports about 0.2 M.

    Args:
        channels: C, the feature channels (input and output).
        num_train_steps: T, the number of timesteps (rows of the embedding).
        reduction: channel reduction inside each bottleneck.
        num_blocks: number of residual bottlenecks.
        norm_cfg: the norm layer after each conv (mmcv config); None is ``dict(type='BN')``,
            ``dict(type='SyncBN')`` suits multi-GPU dense training.
    """

    def __init__(
        self,
        channels: int,
        num_train_steps: int = 1000,
        reduction: int = 4,
        num_blocks: int = 2,
        norm_cfg: Optional[dict] = None,
    ) -> None:
        super().__init__()
        if channels < 1 or num_train_steps < 1 or reduction < 1 or num_blocks < 0:
            raise ValueError(
                'FeatureDenoiser: need channels, num_train_steps, reduction >= 1 and '
                f'num_blocks >= 0; got channels={channels}, num_train_steps={num_train_steps}, '
                f'reduction={reduction}, num_blocks={num_blocks}'
            )
        norm_cfg = dict(type='BN') if norm_cfg is None else norm_cfg
        self.channels = channels
        self.num_train_steps = num_train_steps
        self.time_embedding = nn.Embedding(num_train_steps, channels)
        self.blocks = nn.Sequential(
            *(_Bottleneck(channels, reduction, norm_cfg) for _ in range(num_blocks))
        )
        self.out = ConvModule(channels, channels, 1, norm_cfg=norm_cfg, act_cfg=None)

    def _timesteps(self, t: Union[int, Tensor], batch: int, device: torch.device) -> Tensor:
        t = torch.as_tensor(t, dtype=torch.long, device=device)
        if t.dim() == 0:
            t = t.expand(batch)
        if t.shape != (batch,):
            raise ValueError(
                f'FeatureDenoiser: t must be one timestep or one per sample ({batch},), got '
                f'shape {tuple(t.shape)}'
            )
        if int(t.min()) < 0 or int(t.max()) >= self.num_train_steps:
            raise ValueError(
                f'FeatureDenoiser: timesteps must lie in [0, {self.num_train_steps - 1}], got '
                f'min {int(t.min())}, max {int(t.max())}'
            )
        return t

    def forward(self, x: Tensor, t: Union[int, Tensor]) -> Tensor:
        """The predicted noise, shaped like ``x``; ``t`` is an int or a LongTensor ``(N,)``."""
        if x.dim() not in (2, 4) or x.shape[1] != self.channels:
            raise ValueError(
                f'FeatureDenoiser: expected (N, {self.channels}, H, W) or (N, {self.channels}), '
                f'got shape {tuple(x.shape)}'
            )
        flat = x.dim() == 2
        if flat:
            x = x[:, :, None, None]
        t = self._timesteps(t, x.shape[0], x.device)
        h = x + self.time_embedding(t)[:, :, None, None].to(x.dtype)
        eps = self.out(self.blocks(h))
        return eps.flatten(1) if flat else eps
