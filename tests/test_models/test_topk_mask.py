"""mmkd.TopKMask (SFKD's salient-value mask) against hand-made tensors."""

import math

import pytest
import torch
import torch.nn.functional as F

from mmkd.models.losses import ChannelWiseDivergence, KLDivergence
from mmkd.models.target_transforms import TopKMask, num_kept
from mmkd.registry import MODELS

from ..conftest import cls_model

NEG_INF = -math.inf


# ----------------------------------------------------------------------------- K rounding


@pytest.mark.parametrize(
    'ratio, n, k',
    [
        (0.5, 4, 2),  # 2.0 exactly
        (0.6, 19, 12),  # ceil(11.4) = 12 (19 Cityscapes classes)
        (0.6, 100, 60),  # CIFAR-100
        (0.7, 10, 7),  # 0.7 * 10 = 7.000000000000001 in floating point: still 7
        (0.35, 20, 7),  # 7.000000000000001 as well
        (0.5, 3, 2),  # ceil(1.5) = 2
        (0.01, 10, 1),  # ceil(0.1) = 1
        (0.001, 3, 1),  # at least 1
        (1.0, 5, 5),  # everything
        (0.5, 1, 1),  # a single entry is always kept
    ],
)
def test_k_rounding(ratio, n, k):
    assert num_kept(ratio, n) == k


def test_k_rounding_in_the_mask():
    # 19 classes, ratio 0.6 -> 12 kept per row
    x = torch.randn(5, 19, generator=torch.Generator().manual_seed(0))
    assert (TopKMask(0.6).mask(x).sum(dim=1) == 12).all()


# ----------------------------------------------------------------------------- values


def test_logits_per_sample_over_classes():
    # K = ceil(0.5 * 4) = 2 per row
    # row 0 [1, 5, 3, 2] -> keeps 5 and 3 -> [0, 5, 3, 0]
    # row 1 [4, -1, 0, 7] -> keeps 7 and 4 -> [4, 0, 0, 7] (the -1 and 0 are dropped)
    x = torch.tensor([[1.0, 5.0, 3.0, 2.0], [4.0, -1.0, 0.0, 7.0]])
    out = TopKMask(0.5)(x)
    assert torch.equal(out, torch.tensor([[0.0, 5.0, 3.0, 0.0], [4.0, 0.0, 0.0, 7.0]]))


def test_ratio_one_is_identity():
    x = torch.randn(2, 3, 4, 5)
    for dim in ('channel', 'sample', 'spatial'):
        out = TopKMask(1.0, dim=dim)(x)
        assert out is x
    # and a ratio that keeps every entry of a small group is the identity too (K = n)
    assert torch.equal(TopKMask(0.9)(torch.tensor([[1.0, 2.0]])), torch.tensor([[1.0, 2.0]]))


def test_ties_first_keeps_exactly_k_earliest():
    # [2, 2, 2, 1], K = 2: three entries tie with the 2nd largest value (2); the first two win
    x = torch.tensor([[2.0, 2.0, 2.0, 1.0]])
    assert torch.equal(TopKMask(0.5)(x), torch.tensor([[2.0, 2.0, 0.0, 0.0]]))
    # [1, 3, 1, 1], K = 2: 3 is above the K-th value (1); of the three 1s only the first is kept
    x = torch.tensor([[1.0, 3.0, 1.0, 1.0]])
    assert torch.equal(TopKMask(0.5)(x), torch.tensor([[1.0, 3.0, 0.0, 0.0]]))


def test_ties_all_keeps_every_tie():
    # the same rows with ties='all': every entry equal to the K-th largest value stays
    assert torch.equal(
        TopKMask(0.5, ties='all')(torch.tensor([[2.0, 2.0, 2.0, 1.0]])),
        torch.tensor([[2.0, 2.0, 2.0, 0.0]]),
    )
    assert torch.equal(
        TopKMask(0.5, ties='all')(torch.tensor([[1.0, 3.0, 1.0, 1.0]])),
        torch.tensor([[1.0, 3.0, 1.0, 1.0]]),
    )


def test_ties_first_matches_a_stable_sort_reference():
    # many ties (integers in 0..3): the kept set is the first K of a stable descending sort
    g = torch.Generator().manual_seed(3)
    x = torch.randint(0, 4, (6, 37), generator=g).float()
    for ratio in (0.1, 0.3, 0.5, 0.8):
        k = num_kept(ratio, 37)
        order = torch.sort(x, dim=1, descending=True, stable=True).indices[:, :k]
        expected = torch.zeros_like(x, dtype=torch.bool).scatter_(1, order, True)
        assert torch.equal(TopKMask(ratio).mask(x), expected)


def test_dense_logits_per_pixel_over_classes():
    # (N=1, C=3, H=1, W=2); K = ceil(0.5 * 3) = 2 per pixel
    # pixel 0 classes [1, 2, 3] -> keeps 2 and 3; pixel 1 classes [3, 2, 1] -> keeps 3 and 2
    x = torch.tensor([[[[1.0, 3.0]], [[2.0, 2.0]], [[3.0, 1.0]]]])
    expected = torch.tensor([[[[0.0, 3.0]], [[2.0, 2.0]], [[3.0, 0.0]]]])
    assert torch.equal(TopKMask(0.5)(x), expected)
    # identical to masking the (N*H*W, C) rows one by one
    g = torch.Generator().manual_seed(1)
    dense = torch.randn(2, 5, 3, 4, generator=g)
    rows = dense.permute(0, 2, 3, 1).reshape(-1, 5)
    flat = TopKMask(0.6)(rows).reshape(2, 3, 4, 5).permute(0, 3, 1, 2)
    assert torch.equal(TopKMask(0.6)(dense), flat)


def test_features_per_sample_over_chw():
    # (N=2, C=2, H=2, W=2): n = 8 per sample, ratio 0.25 -> K = 2
    # sample 0 = 0..7: keeps 6 and 7 (channel 1, last row)
    # sample 1 = -(0..7): keeps 0 and -1 (channel 0, first row); each sample ranked on its own
    x = torch.stack([torch.arange(8.0), -torch.arange(8.0)]).reshape(2, 2, 2, 2)
    out = TopKMask(0.25, dim='sample')(x)
    expected = torch.zeros(2, 8)
    expected[0, 6:] = torch.tensor([6.0, 7.0])
    expected[1, :2] = torch.tensor([0.0, -1.0])
    assert torch.equal(out, expected.reshape(2, 2, 2, 2))
    assert torch.equal(TopKMask(0.25, dim=(1, 2, 3))(x), out)  # the same axes, given explicitly


def test_spatial_per_sample_and_channel():
    # (N=1, C=2, H=2, W=2), ratio 0.5 -> K = 2 of the 4 positions of each channel
    # channel 0 [[4, 1], [3, 2]] keeps 4, 3; channel 1 [[0, 9], [8, 7]] keeps 9, 8
    x = torch.tensor([[[[4.0, 1.0], [3.0, 2.0]], [[0.0, 9.0], [8.0, 7.0]]]])
    expected = torch.tensor([[[[4.0, 0.0], [3.0, 0.0]], [[0.0, 9.0], [8.0, 0.0]]]])
    assert torch.equal(TopKMask(0.5, dim='spatial')(x), expected)
    assert torch.equal(TopKMask(0.5, dim=(2, 3))(x), expected)
    # an (N, 1, H, W) attention map: 'spatial' and 'sample' both rank the H*W map of a sample
    att = x[:, 1:]
    assert torch.equal(TopKMask(0.5, dim='spatial')(att), TopKMask(0.5, dim='sample')(att))


def test_neg_inf_fill_gives_zero_probability():
    # K = ceil(0.6 * 5) = 3 of [2, 0, 1, 3, -1]: keeps 3, 2, 1; classes 1 and 4 become -inf
    x = torch.tensor([[2.0, 0.0, 1.0, 3.0, -1.0]])
    masked = TopKMask(0.6, fill='-inf')(x)
    assert torch.equal(masked, torch.tensor([[2.0, NEG_INF, 1.0, 3.0, NEG_INF]]))
    p = F.softmax(masked / 4.0, dim=1)
    assert p[0, 1] == 0 and p[0, 4] == 0
    # the kept classes share all the probability, in the ratios of the unmasked softmax
    kept = F.softmax(torch.tensor([2.0, 1.0, 3.0]) / 4.0, dim=0)
    assert torch.allclose(p[0, [0, 2, 3]], kept)
    # with zero fill the dropped classes keep some probability (logit 0)
    assert (F.softmax(TopKMask(0.6)(x), dim=1) > 0).all()


def test_nan_is_never_kept():
    x = torch.tensor([[float('nan'), 1.0, 2.0, 0.0]])
    assert torch.equal(TopKMask(0.5).mask(x), torch.tensor([[False, True, True, False]]))


def test_half_precision_and_gradient_to_kept_entries_only():
    x = torch.tensor([[1.0, 5.0, 3.0, 2.0]], dtype=torch.float16)
    assert torch.equal(TopKMask(0.5)(x), torch.tensor([[0.0, 5.0, 3.0, 0.0]], dtype=torch.float16))
    x = torch.tensor([[1.0, 5.0, 3.0, 2.0]], requires_grad=True)
    TopKMask(0.5)(x).sum().backward()
    assert torch.equal(x.grad, torch.tensor([[0.0, 1.0, 1.0, 0.0]]))


def test_bad_arguments():
    for ratio in (0, 0.0, -0.5, 1.5, True, '0.5'):
        with pytest.raises(ValueError, match='ratio'):
            TopKMask(ratio)
    with pytest.raises(ValueError, match='fill'):
        TopKMask(0.5, fill='min')
    with pytest.raises(ValueError, match='ties'):
        TopKMask(0.5, ties='random')
    with pytest.raises(ValueError, match='dim'):
        TopKMask(0.5, dim='pixel')
    with pytest.raises(ValueError, match='batch axis'):
        TopKMask(0.5, dim=(0, 1))(torch.ones(2, 3))
    with pytest.raises(ValueError, match='channel'):
        TopKMask(0.5)(torch.ones(4))
    with pytest.raises(ValueError, match='spatial'):
        TopKMask(0.5, dim='spatial')(torch.ones(2, 3))
    with pytest.raises(ValueError, match='spatial'):  # rejected even when ratio = 1
        TopKMask(1.0, dim='spatial')(torch.ones(2, 3))


# ----------------------------------------------------------------------------- composition


def test_built_from_the_registry_as_configs_name_it():
    from mmengine.registry import MODELS as ROOT_MODELS
    from mmengine.registry import DefaultScope

    with DefaultScope.overwrite_default_scope('mmseg'):
        mask = ROOT_MODELS.build(dict(type='mmkd.TopKMask', ratio=0.6, dim='sample'))
    assert isinstance(mask, TopKMask) and mask.ratio == 0.6 and mask.dim == 'sample'
    assert MODELS.get('TopKMask') is TopKMask
    assert 'ratio=0.6' in repr(mask)


def test_distiller_teacher_transform_applies_the_mask(mmpretrain_scope):
    from mmkd.models.distillers import Distiller

    distiller = Distiller(
        student=cls_model(8),
        teacher=cls_model(8),
        taps=dict(logits='head.fc'),
        losses=dict(
            kd=dict(
                type='mmkd.KLDivergence',
                tau=4.0,
                student='logits',
                teacher='logits',
                teacher_transform=dict(type='mmkd.TopKMask', ratio=0.5),
            )
        ),
    )
    assert isinstance(distiller.terms['kd'].teacher_transform, TopKMask)
    g = torch.Generator().manual_seed(0)
    student, teacher = torch.randn(3, 4, generator=g), torch.randn(3, 4, generator=g)
    expected = KLDivergence(tau=4.0)(student, TopKMask(0.5)(teacher))
    assert torch.allclose(distiller.terms['kd'](student, [teacher]), expected)
    assert not torch.allclose(expected, KLDivergence(tau=4.0)(student, teacher))
    # the mask has no parameters: nothing is added to the checkpoint
    assert not any('teacher_transform' in k for k in distiller.state_dict())


def test_neg_inf_fill_with_kd_is_finite():
    g = torch.Generator().manual_seed(0)
    student, teacher = torch.randn(3, 5, generator=g), torch.randn(3, 5, generator=g)
    student.requires_grad_(True)
    masked = TopKMask(0.6, fill='-inf')(teacher)
    loss = KLDivergence(tau=4.0)(student, masked)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(student.grad).all()
    # the masked classes contribute nothing: the same as KL against the renormalised kept classes
    keep = torch.isfinite(masked)
    p_t = torch.softmax(masked / 4.0, dim=1)
    log_p_s = torch.log_softmax(student.detach() / 4.0, dim=1)
    by_hand = 16.0 * (p_t[keep] * (torch.log(p_t[keep]) - log_p_s[keep])).sum() / 3
    assert torch.allclose(loss, by_hand, atol=1e-6)
    dense = torch.randn(2, 5, 3, 3, generator=g)
    cwd = ChannelWiseDivergence(tau=2.0)(
        torch.randn(2, 5, 3, 3, generator=g), TopKMask(0.5, dim='spatial', fill='-inf')(dense)
    )
    assert torch.isfinite(cwd)
