"""Monocular-depth versions of mmseg's FCN / PSP / ASPP decode heads, for ``mmseg.DepthEstimator``.

mmseg 1.2.2 ships the whole depth pipeline (``DepthEstimator``, ``NYUDataset``,
``LoadDepthAnnotation``, ``DepthMetric``, ``SiLogLoss``) but only the diffusion-based
``VPDDepthHead``. ``DepthHeadMixin`` turns any ``BaseDecodeHead`` whose ``forward`` ends in
``self.cls_seg`` into a depth head by changing three things:

* ``cls_seg`` predicts one channel and maps it to a positive depth bounded by ``max_depth``
  through the submodule ``depth_act``, so ``forward(feats)`` is a depth map at feature resolution;
  distillers can tap it as ``decode_head`` or, equivalently, ``decode_head.depth_act``;
* ``loss_by_feat`` compares it, upsampled to the gt size, with ``gt_depth_map`` while ignoring
  invalid pixels;
* the segmentation-only constructor arguments are fixed (``num_classes=out_channels=1``).

``predict`` / ``predict_by_feat`` are inherited unchanged: ``BaseDecodeHead.predict_by_feat``
already resizes the map to the padded input size, which is what
``DepthEstimator.postprocess_result`` expects before it removes padding, undoes flips and resizes
to ``ori_shape``.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.decode_heads import ASPPHead, FCNHead, PSPHead
from mmseg.models.utils import resize
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

from mmkd.registry import MODELS

DEPTH_ACTIVATIONS = ('sigmoid', 'softplus')


class DepthActivation(nn.Module):
    """Maps one-channel logits to depths in ``[min_depth, max_depth]``.

    A module rather than a function so that distillers can tap it (``decode_head.depth_act``).
    """

    def __init__(self, kind: str, min_depth: float, max_depth: float) -> None:
        super().__init__()
        if kind not in DEPTH_ACTIVATIONS:
            raise ValueError(f'depth_act must be one of {DEPTH_ACTIVATIONS}, got {kind!r}')
        if not 0 < min_depth < max_depth:
            raise ValueError(f'need 0 < min_depth < max_depth, got {min_depth}, {max_depth}')
        self.kind = kind
        self.min_depth = min_depth
        self.max_depth = max_depth

    def forward(self, x: Tensor) -> Tensor:
        if self.kind == 'sigmoid':
            depth = torch.sigmoid(x) * self.max_depth
        else:
            depth = F.softplus(x).clamp(max=self.max_depth)
        return depth.clamp(min=self.min_depth)

    def extra_repr(self) -> str:
        return f'kind={self.kind}, min_depth={self.min_depth}, max_depth={self.max_depth}'


class DepthHeadMixin:
    """Mixin turning a segmentation decode head into a depth head; put it first in the bases.

    Args:
        max_depth: largest depth the head can output, and largest valid gt depth.
        min_depth: outputs are clamped to at least this, so the prediction is strictly positive
            (``DepthMetric`` takes its log) even where the activation underflows.
        depth_act: ``'sigmoid'`` gives ``sigmoid(x) * max_depth``; ``'softplus'`` gives
            ``min(softplus(x), max_depth)`` (linear in x for large depths, no gradient above
            ``max_depth``).
        loss_decode: loss config or list of configs. Each loss is called as
            ``loss(pred, target)`` on ``(N, 1, H, W)`` maps in which invalid target pixels
            (``<= 0``, ``> max_depth`` or NaN) have been set to 0, so it must ignore zero
            targets -- mmseg's ``SiLogLoss`` does (it only uses targets above its ``eps``).
            Losses with the same ``loss_name`` are summed.
        **kwargs: the wrapped head's arguments (``in_channels``, ``channels``, ``pool_scales``,
            ``dilations``, ``norm_cfg``, ``align_corners``, ...). ``num_classes`` /
            ``out_channels`` may be omitted; any value other than 1 is rejected.
    """

    def __init__(
        self,
        *,
        max_depth: float = 10.0,
        min_depth: float = 1e-3,
        depth_act: str = 'sigmoid',
        loss_decode: ConfigType = dict(type='mmseg.SiLogLoss'),  # noqa: B006 (read only)
        **kwargs,
    ) -> None:
        depth_activation = DepthActivation(depth_act, min_depth, max_depth)
        for key in ('num_classes', 'out_channels'):
            if kwargs.pop(key, 1) != 1:
                raise ValueError(
                    f'a depth head predicts one channel: drop {key} or set it to 1 '
                    '(configs inheriting a segmentation head carry num_classes)'
                )
        if kwargs.get('sampler') is not None:
            raise ValueError('pixel samplers work on segmentation labels; a depth head has none')
        # threshold only matters for binary segmentation; giving one silences BaseDecodeHead's
        # "threshold is not defined for binary" warning for this single-channel head.
        super().__init__(
            num_classes=1, out_channels=1, threshold=0.0, loss_decode=loss_decode, **kwargs
        )
        self.max_depth = max_depth
        self.depth_act = depth_activation

    def cls_seg(self, feat: Tensor) -> Tensor:
        """Predict the depth map (N, 1, h, w) in ``[min_depth, max_depth]`` from the features."""
        return self.depth_act(super().cls_seg(feat))

    def loss_by_feat(self, depth: Tensor, batch_data_samples: SampleList) -> dict:
        """Loss between the upsampled prediction and ``gt_depth_map``, on valid pixels only."""
        gt = torch.stack([sample.gt_depth_map.data for sample in batch_data_samples])
        gt = gt.to(depth)
        depth = resize(depth, size=gt.shape[2:], mode='bilinear', align_corners=self.align_corners)
        valid = (gt > 0) & (gt <= self.max_depth)  # False for NaN too
        target = torch.where(valid, gt, torch.zeros_like(gt))

        losses = dict()
        loss_modules = (
            self.loss_decode if isinstance(self.loss_decode, nn.ModuleList) else [self.loss_decode]
        )
        for loss_module in loss_modules:
            value = loss_module(depth, target)
            name = loss_module.loss_name
            losses[name] = losses[name] + value if name in losses else value
        return losses


@MODELS.register_module()
class DepthFCNHead(DepthHeadMixin, FCNHead):
    """mmseg's ``FCNHead`` (a few convs) predicting depth; see ``DepthHeadMixin``."""


@MODELS.register_module()
class DepthPSPHead(DepthHeadMixin, PSPHead):
    """mmseg's ``PSPHead`` (pyramid pooling) predicting depth; see ``DepthHeadMixin``."""


@MODELS.register_module()
class DepthASPPHead(DepthHeadMixin, ASPPHead):
    """mmseg's ``ASPPHead`` (atrous pyramid) predicting depth; see ``DepthHeadMixin``."""
