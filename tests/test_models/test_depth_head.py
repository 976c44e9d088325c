"""Depth decode heads inside mmseg's DepthEstimator: loss, prediction, metric, invalid pixels."""

import math

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmseg.evaluation import DepthMetric
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmkd.models.heads import DepthFCNHead

MAX_DEPTH = 10.0
NORM_CFG = dict(type='BN', requires_grad=True)
HEAD_EXTRAS = {
    'mmkd.DepthFCNHead': dict(num_convs=1, concat_input=False),
    'mmkd.DepthPSPHead': dict(pool_scales=(1, 2, 3, 6)),
    'mmkd.DepthASPPHead': dict(dilations=(1, 6, 12, 18)),
}


def build_estimator(head_type: str) -> torch.nn.Module:
    # ConfigDict, as from a config file: DepthEstimator reads ``self.test_cfg.mode``.
    with DefaultScope.overwrite_default_scope('mmseg'):
        return _build(head_type)


def _build(head_type: str) -> torch.nn.Module:
    return MODELS.build(
        ConfigDict(
            type='DepthEstimator',
            backbone=dict(
                type='ResNetV1c',
                depth=18,
                stem_channels=16,
                base_channels=16,  # a thin ResNet-18 (last stage 128 channels) keeps this fast
                out_indices=(0, 1, 2, 3),
                dilations=(1, 1, 2, 4),
                strides=(1, 2, 1, 1),
                norm_cfg=NORM_CFG,
            ),
            decode_head=dict(
                type=head_type,
                in_channels=128,
                in_index=3,
                channels=16,
                max_depth=MAX_DEPTH,
                norm_cfg=NORM_CFG,
                **HEAD_EXTRAS[head_type],
            ),
            test_cfg=dict(mode='whole'),
        )
    )


def make_samples(img_shape, ori_shape, batch_size=2):
    samples = []
    for _ in range(batch_size):
        gt = torch.rand(1, *ori_shape) * 12.0  # some pixels beyond MAX_DEPTH
        gt[:, :5] = 0  # missing depth
        sample = SegDataSample(
            metainfo=dict(img_shape=img_shape, pad_shape=img_shape, ori_shape=ori_shape)
        )
        sample.gt_depth_map = PixelData(data=gt)
        samples.append(sample)
    return samples


@pytest.mark.parametrize('head_type', list(HEAD_EXTRAS))
def test_depth_estimator_loss_predict_metric(head_type):
    torch.manual_seed(0)
    model = build_estimator(head_type)
    inputs = torch.randn(2, 3, 64, 64)

    # Training: gt at input size, as the training pipeline produces it.
    losses = model.loss(inputs, make_samples((64, 64), (64, 64)))
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    for param in (model.decode_head.conv_seg.weight, model.backbone.stem[0].weight):
        assert param.grad is not None and torch.isfinite(param.grad).all()
        assert param.grad.abs().sum() > 0

    # What a distiller tapping ``decode_head`` or ``decode_head.depth_act`` sees: depth at
    # feature resolution (stride 8).
    model.eval()
    tapped = []
    model.get_submodule('decode_head.depth_act').register_forward_hook(
        lambda module, args, output: tapped.append(output)
    )
    with torch.no_grad():
        depth = model.decode_head(model.extract_feat(inputs))
        assert depth.shape == (2, 1, 8, 8) and tapped[-1] is depth
        assert (depth > 0).all() and (depth <= MAX_DEPTH).all()

        samples = make_samples((64, 64), (48, 80))
        results = model.predict(inputs, samples)
    for result in results:
        pred = result.pred_depth_map.data
        assert pred.shape == (1, 48, 80)
        assert (pred > 0).all() and (pred <= MAX_DEPTH).all()

    metric = DepthMetric(max_depth_eval=MAX_DEPTH)
    metric.process({}, [result.to_dict() for result in results])
    scores = metric.compute_metrics(metric.results)
    assert {'d1', 'abs_rel', 'rmse'} <= set(scores)
    assert all(math.isfinite(v) for v in scores.values())


def test_invalid_pixels_are_ignored_by_hand():
    """SiLog on a 2x2 map where only two gt pixels are valid (one is 0, one beyond max_depth)."""
    head = DepthFCNHead(in_channels=4, channels=4, num_convs=1, max_depth=MAX_DEPTH)
    pred = torch.tensor([[[[1.0, 2.0], [4.0, 8.0]]]])
    gt = torch.tensor([[[2.0, 0.0], [4.0, 20.0]]])
    sample = SegDataSample()
    sample.gt_depth_map = PixelData(data=gt)

    losses = head.loss_by_feat(pred, [sample])
    # Valid pixels: log-differences d = [log 2 - log 1, log 4 - log 4] = [log 2, 0], and
    # SiLog = sqrt(mean(d^2) - 0.5 * mean(d)^2) = sqrt(log²2 / 2 - log²2 / 8) = log 2 * sqrt(3/8).
    expected = math.log(2) * math.sqrt(3 / 8)
    assert list(losses) == ['loss_silog']
    assert losses['loss_silog'].item() == pytest.approx(expected, rel=1e-5)


def test_image_without_valid_pixels_keeps_gradients_finite():
    head = DepthFCNHead(in_channels=4, channels=4, num_convs=1, max_depth=MAX_DEPTH)
    samples = [SegDataSample(), SegDataSample()]
    samples[0].gt_depth_map = PixelData(data=torch.rand(1, 4, 4) * 5 + 1)
    samples[1].gt_depth_map = PixelData(data=torch.zeros(1, 4, 4))
    logits = torch.randn(2, 1, 4, 4, requires_grad=True)
    loss = head.loss_by_feat(torch.sigmoid(logits) * MAX_DEPTH, samples)['loss_silog']
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    assert (logits.grad[1] == 0).all()


def test_loss_upsamples_prediction_to_gt_size():
    head = DepthFCNHead(in_channels=4, channels=4, num_convs=1, max_depth=MAX_DEPTH)
    sample = SegDataSample()
    sample.gt_depth_map = PixelData(data=torch.full((1, 8, 8), 3.0))
    pred = torch.full((1, 1, 2, 2), 3.0)
    loss = head.loss_by_feat(pred * 2, [sample])['loss_silog']
    # A constant scale error is exactly what SiLog forgives up to sqrt(0.5) * |log 2|.
    assert loss.item() == pytest.approx(math.sqrt(0.5) * math.log(2), rel=1e-5)


def test_activation_bounds_and_config_checks():
    head = DepthFCNHead(
        in_channels=4, channels=4, num_convs=1, max_depth=MAX_DEPTH, depth_act='softplus'
    )
    depth = head.cls_seg(torch.randn(2, 4, 5, 5) * 1e3)
    assert depth.min() >= head.depth_act.min_depth and depth.max() <= MAX_DEPTH
    assert head.num_classes == head.out_channels == 1

    with pytest.raises(ValueError, match='num_classes'):
        DepthFCNHead(in_channels=4, channels=4, num_classes=19)
    with pytest.raises(ValueError, match='depth_act'):
        DepthFCNHead(in_channels=4, channels=4, depth_act='exp')
