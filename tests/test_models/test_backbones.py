"""The CIFAR KD-zoo backbones: shapes, literature parameter counts, taps, and use in mmpretrain."""

import pytest
import torch
from mmengine.registry import DefaultScope

from mmkd.models.backbones import CIFARVGG, CIFARResNet, WideResNet

# (constructor, kwargs, params in millions with a 100-class linear head as
# reported by CRD / DKD / mdistiller, expected stage shapes (C, H, W) for a 32x32 input).
ZOO = {
    'resnet20': (CIFARResNet, dict(depth=20), 0.28, [(16, 32, 32), (32, 16, 16), (64, 8, 8)]),
    'resnet56': (CIFARResNet, dict(depth=56), 0.86, [(16, 32, 32), (32, 16, 16), (64, 8, 8)]),
    'resnet110': (CIFARResNet, dict(depth=110), 1.74, [(16, 32, 32), (32, 16, 16), (64, 8, 8)]),
    'resnet8x4': (
        CIFARResNet,
        dict(depth=8, width_multiplier=4),
        1.23,
        [(64, 32, 32), (128, 16, 16), (256, 8, 8)],
    ),
    'resnet32x4': (
        CIFARResNet,
        dict(depth=32, width_multiplier=4),
        7.43,
        [(64, 32, 32), (128, 16, 16), (256, 8, 8)],
    ),
    'wrn_16_2': (
        WideResNet,
        dict(depth=16, widen_factor=2),
        0.70,
        [(32, 32, 32), (64, 16, 16), (128, 8, 8)],
    ),
    'wrn_40_1': (
        WideResNet,
        dict(depth=40, widen_factor=1),
        0.57,
        [(16, 32, 32), (32, 16, 16), (64, 8, 8)],
    ),
    'wrn_40_2': (
        WideResNet,
        dict(depth=40, widen_factor=2),
        2.26,
        [(32, 32, 32), (64, 16, 16), (128, 8, 8)],
    ),
    'vgg8': (
        CIFARVGG,
        dict(depth=8),
        3.96,
        [(64, 32, 32), (128, 16, 16), (256, 8, 8), (512, 4, 4), (512, 4, 4)],
    ),
    'vgg13': (
        CIFARVGG,
        dict(depth=13),
        9.46,
        [(64, 32, 32), (128, 16, 16), (256, 8, 8), (512, 4, 4), (512, 4, 4)],
    ),
}


def num_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('name', list(ZOO))
def test_stage_shapes_and_param_counts(name):
    cls, kwargs, paper_millions, shapes = ZOO[name]
    all_stages = tuple(range(len(shapes)))
    model = cls(**kwargs, out_indices=all_stages)
    assert model.out_channels == [c for c, _, _ in shapes]
    with torch.no_grad():
        outs = model(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(2,) + s for s in shapes]

    head_params = model.out_channels[-1] * 100 + 100
    millions = (num_params(model) + head_params) / 1e6
    assert millions == pytest.approx(paper_millions, rel=0.02), f'{name}: {millions:.4f}M'


def test_default_out_indices_return_last_stage_only():
    outs = CIFARResNet(depth=20)(torch.randn(1, 3, 32, 32))
    assert len(outs) == 1 and outs[0].shape == (1, 64, 8, 8)
    outs = CIFARVGG(depth=8, out_indices=(-2, 0))(torch.randn(1, 3, 32, 32))
    assert [o.shape[1] for o in outs] == [64, 512]


def test_taps_by_module_path_match_stage_outputs():
    """``backbone.layer{i}`` forward hooks see exactly the stage outputs ``forward`` returns."""
    model = WideResNet(depth=16, widen_factor=1, out_indices=(0, 1, 2)).eval()
    seen = {}
    for name in ('layer1', 'layer2', 'layer3'):
        model.get_submodule(name).register_forward_hook(
            lambda m, i, o, name=name: seen.__setitem__(name, o)
        )
    with torch.no_grad():
        outs = model(torch.randn(2, 3, 32, 32))
    for i, name in enumerate(('layer1', 'layer2', 'layer3')):
        assert seen[name] is outs[i]
    # WRN is pre-activation: only the last stage ends with the final BN + ReLU.
    assert (outs[2] >= 0).all() and (outs[1] < 0).any()


def test_init_weights_kaiming_conv_unit_bn():
    model = CIFARVGG(depth=8)
    torch.nn.init.zeros_(model.layer1[1].weight)
    model.init_weights()
    assert torch.equal(model.layer1[1].weight, torch.ones(64))
    conv = model.layer5[0]  # 512 -> 512, 3x3: kaiming fan_out std = sqrt(2 / (512 * 9))
    assert conv.weight.std().item() == pytest.approx((2 / (512 * 9)) ** 0.5, rel=0.05)
    assert (conv.bias == 0).all()


@pytest.mark.parametrize(
    'cls, depth, valid',
    [
        (CIFARResNet, 21, r'6n\+2'),
        (CIFARResNet, 2, r'6n\+2'),
        (WideResNet, 18, r'6n\+4'),
        (CIFARVGG, 10, r'\[8, 11, 13, 16, 19\]'),
    ],
)
def test_bad_depth_names_valid_depths(cls, depth, valid):
    with pytest.raises(ValueError, match=valid):
        cls(depth=depth)


def test_bad_out_indices():
    with pytest.raises(ValueError, match='out_indices'):
        CIFARResNet(depth=20, out_indices=(3,))


@pytest.mark.parametrize(
    'backbone, channels',
    [
        (dict(type='mmkd.CIFARResNet', depth=8), 64),
        (dict(type='mmkd.WideResNet', depth=10, widen_factor=1, drop_rate=0.3), 64),
        (dict(type='mmkd.CIFARVGG', depth=8), 512),
    ],
)
def test_mmpretrain_image_classifier(backbone, channels):
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample

    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(
            dict(
                type='ImageClassifier',
                backbone=backbone,
                neck=dict(type='GlobalAveragePooling'),
                head=dict(type='LinearClsHead', num_classes=100, in_channels=channels),
            )
        )
    inputs = torch.randn(2, 3, 32, 32)
    samples = [DataSample().set_gt_label(3), DataSample().set_gt_label(97)]

    losses = model.loss(inputs, samples)
    assert torch.isfinite(losses['loss'])
    losses['loss'].backward()
    assert all(p.grad is not None for p in model.backbone.parameters())

    model.eval()
    with torch.no_grad():
        preds = model.predict(inputs, samples)
    assert len(preds) == 2 and preds[0].pred_score.shape == (100,)
    assert preds[0].pred_score.sum().item() == pytest.approx(1.0, abs=1e-5)
