"""Distillation losses against values worked out by hand (math module, not torch ops)."""

import math

import pytest
import torch

from mmkd.models.losses import (
    ChannelWiseDivergence,
    DepthResponseLoss,
    KLDivergence,
    L1Feature,
    MSEFeature,
)
from mmkd.registry import MODELS

LN3 = math.log(3.0)
# Two 2-class distributions used throughout:
#   logits [0, 0]    -> softmax [1/2, 1/2]
#   logits [ln3, 0]  -> softmax [3/(3+1), 1/(3+1)] = [3/4, 1/4]
# KL([3/4, 1/4] || [1/2, 1/2]) = 3/4*ln((3/4)/(1/2)) + 1/4*ln((1/4)/(1/2))
#                              = 0.75*ln(1.5) + 0.25*ln(0.5)            ~= 0.130812
KL_Q_U = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
# KL([1/2, 1/2] || [3/4, 1/4]) = 1/2*ln((1/2)/(3/4)) + 1/2*ln((1/2)/(1/4))
#                              = 0.5*ln(2/3) + 0.5*ln(2)                ~= 0.143841
KL_U_Q = 0.5 * math.log(2.0 / 3.0) + 0.5 * math.log(2.0)


def close(value: torch.Tensor, expected: float, tol: float = 1e-6) -> bool:
    return abs(value.item() - expected) < tol


def all_losses():
    """(loss, student, teacher) triples with valid, non-trivial inputs."""
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 5, generator=g)
    feat = torch.randn(2, 3, 4, 4, generator=g)
    depth = torch.rand(2, 1, 4, 4, generator=g) + 0.5
    return [
        (KLDivergence(tau=2.0), logits, torch.randn(4, 5, generator=g)),
        (KLDivergence(tau=2.0), feat, torch.randn(2, 3, 4, 4, generator=g)),
        (MSEFeature(), feat, torch.randn(2, 3, 4, 4, generator=g)),
        (L1Feature(), feat, torch.randn(2, 3, 4, 4, generator=g)),
        (ChannelWiseDivergence(tau=4.0), feat, torch.randn(2, 3, 4, 4, generator=g)),
        (DepthResponseLoss(mode='silog'), depth, torch.rand(2, 1, 4, 4, generator=g) + 0.5),
        (DepthResponseLoss(mode='l1'), depth, torch.rand(2, 1, 4, 4, generator=g) + 0.5),
    ]


# ----------------------------------------------------------------------------- KLDivergence


def test_kd_hand_value():
    # sample 0: student [0, 0] (p_s = [1/2, 1/2]), teacher [ln3, 0] (p_t = [3/4, 1/4]) -> KL_Q_U
    # sample 1: student [ln3, 0], teacher [0, 0]                                       -> KL_U_Q
    # mean over samples, tau = 1 -> (KL_Q_U + KL_U_Q) / 2 ~= 0.137327
    student = torch.tensor([[0.0, 0.0], [LN3, 0.0]])
    teacher = torch.tensor([[LN3, 0.0], [0.0, 0.0]])
    loss = KLDivergence(tau=1.0)(student, teacher)
    assert close(loss, (KL_Q_U + KL_U_Q) / 2)


def test_kd_hand_value_with_tau():
    # tau = 2: teacher [2*ln3, 0] / 2 = [ln3, 0] -> p_t = [3/4, 1/4]; student [0, 0] -> [1/2, 1/2]
    # loss = tau² * KL_Q_U = 4 * 0.130812 ~= 0.523248
    student = torch.tensor([[0.0, 0.0]])
    teacher = torch.tensor([[2 * LN3, 0.0]])
    loss = KLDivergence(tau=2.0)(student, teacher)
    assert close(loss, 4 * KL_Q_U)


def test_kd_tau_squared_scaling():
    # Scaling all logits by T and using tau = T leaves the distributions unchanged, so the only
    # difference is the tau² factor.
    g = torch.Generator().manual_seed(1)
    s, t = torch.randn(3, 7, generator=g), torch.randn(3, 7, generator=g)
    base = KLDivergence(tau=1.0)(s, t)
    for T in (2.0, 4.0):
        scaled = KLDivergence(tau=T)(s * T, t * T)
        assert torch.allclose(scaled, T**2 * base, rtol=1e-5)


def test_kd_dense_equals_flattened():
    g = torch.Generator().manual_seed(2)
    s, t = torch.randn(2, 3, 4, 5, generator=g), torch.randn(2, 3, 4, 5, generator=g)
    kd = KLDivergence(tau=3.0)
    dense = kd(s, t)
    flat = kd(s.permute(0, 2, 3, 1).reshape(-1, 3), t.permute(0, 2, 3, 1).reshape(-1, 3))
    assert torch.allclose(dense, flat, rtol=1e-5, atol=1e-7)


def test_kd_dense_hand_value():
    # (N=1, C=2, H=1, W=2): pixel 0 is the (student [0,0], teacher [ln3,0]) pair -> KL_Q_U;
    # pixel 1 has student == teacher -> 0. Mean over N*H*W = 2 pixels -> KL_Q_U / 2.
    student = torch.tensor([[[[0.0, 1.0]], [[0.0, 2.0]]]])
    teacher = torch.tensor([[[[LN3, 1.0]], [[0.0, 2.0]]]])
    assert close(KLDivergence()(student, teacher), KL_Q_U / 2)


def test_kd_upsample_hand_value():
    # (N=1, C=2, H=1, W=2), student all zeros (uniform everywhere). Teacher class-0 logit
    # [2 ln3, 0] and class-1 logit 0. Bilinear x2 with align_corners=False gives the columns
    # [a, .75a + .25b, .25a + .75b, b] = [2 ln3, 1.5 ln3, .5 ln3, 0], and the rows repeat.
    # KL(softmax([x, 0]) || uniform) = ln2 + q ln q + (1-q) ln(1-q), q = sigmoid(x).
    def kl_to_uniform(x: float) -> float:
        q = 1 / (1 + math.exp(-x))
        return math.log(2) + q * math.log(q) + (1 - q) * math.log(1 - q)

    student = torch.zeros(1, 2, 1, 2)
    teacher = torch.tensor([[[[2 * LN3, 0.0]], [[0.0, 0.0]]]])
    columns = [2 * LN3, 1.5 * LN3, 0.5 * LN3, 0.0]
    expected = sum(kl_to_uniform(x) for x in columns) / 4
    assert close(KLDivergence(upsample=2)(student, teacher), expected)
    # at the tapped resolution the mean is over the two original columns only
    assert close(KLDivergence()(student, teacher), kl_to_uniform(2 * LN3) / 2)


def test_kd_upsample_needs_4d_maps_and_an_integer_factor():
    with pytest.raises(ValueError, match='set upsample=1'):
        KLDivergence(upsample=2)(torch.zeros(4, 3), torch.zeros(4, 3))
    with pytest.raises(ValueError, match='integer >= 1'):
        KLDivergence(upsample=1.5)


# ----------------------------------------------------------------------------- feature losses


def test_feature_hand_values():
    # differences s - t = [0, 2, 0, 3]
    # MSE = (0 + 4 + 0 + 9) / 4 = 13/4 = 3.25;  L1 = (0 + 2 + 0 + 3) / 4 = 5/4 = 1.25
    student = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    teacher = torch.tensor([[1.0, 0.0], [3.0, 1.0]])
    assert close(MSEFeature()(student, teacher), 3.25)
    assert close(L1Feature()(student, teacher), 1.25)


# ----------------------------------------------------------------------------- CWD


def test_cwd_hand_value():
    # (N=1, C=2, H=1, W=2). Channel 0: student [0, 0] -> [1/2, 1/2] over the 2 positions,
    # teacher [ln3, 0] -> [3/4, 1/4] => KL_Q_U. Channel 1: student == teacher => 0.
    # Mean over N*C = 2 channels, tau = 1 -> KL_Q_U / 2 ~= 0.065406
    student = torch.tensor([[[[0.0, 0.0]], [[5.0, -1.0]]]])
    teacher = torch.tensor([[[[LN3, 0.0]], [[5.0, -1.0]]]])
    assert close(ChannelWiseDivergence(tau=1.0)(student, teacher), KL_Q_U / 2)


def test_cwd_hand_value_with_tau():
    # tau = 4, teacher channel 0 = [4*ln3, 0] -> [ln3, 0] after /tau -> [3/4, 1/4];
    # student channel 0 [0, 0] -> [1/2, 1/2]; channel 1 equal.
    # loss = 4² * (KL_Q_U + 0) / 2 = 8 * KL_Q_U ~= 1.046496
    student = torch.tensor([[[[0.0, 0.0]], [[5.0, -1.0]]]])
    teacher = torch.tensor([[[[4 * LN3, 0.0]], [[5.0, -1.0]]]])
    assert close(ChannelWiseDivergence(tau=4.0)(student, teacher), 8 * KL_Q_U)


def test_cwd_is_softmax_over_space_not_channels():
    # A spatially constant student map is uniform per channel regardless of channel offsets.
    # teacher channel 0 = [ln3, 0] (KL_Q_U), channel 1 = [0, ln3] (softmax [1/4, 3/4],
    # KL([1/4,3/4] || [1/2,1/2]) = KL_Q_U by symmetry) -> mean = KL_Q_U
    student = torch.tensor([[[[7.0, 7.0]], [[-2.0, -2.0]]]])
    teacher = torch.tensor([[[[LN3, 0.0]], [[0.0, LN3]]]])
    assert close(ChannelWiseDivergence()(student, teacher), KL_Q_U)


# ----------------------------------------------------------------------------- depth


def _depth_pair(teacher_vals, d_vals):
    """student = teacher * exp(d), so log(s) - log(t) = d exactly (computed with math.exp)."""
    student_vals = [t * math.exp(d) for t, d in zip(teacher_vals, d_vals)]
    return (
        torch.tensor(student_vals, dtype=torch.float64).reshape(1, 1, 2, 2),
        torch.tensor(teacher_vals, dtype=torch.float64).reshape(1, 1, 2, 2),
    )


def test_depth_silog_hand_value():
    # d = [1, 0, 2, 1]: mean(d²) = (1 + 0 + 4 + 1)/4 = 1.5, mean(d) = 4/4 = 1
    # lambda = 0.85: sqrt(1.5 - 0.85 * 1²) = sqrt(0.65) ~= 0.806226
    # lambda = 1.0:  sqrt(1.5 - 1.0) = sqrt(0.5) ~= 0.707107
    # lambda = 0.0:  sqrt(1.5) ~= 1.224745
    student, teacher = _depth_pair([1.0, 2.0, 0.5, 4.0], [1.0, 0.0, 2.0, 1.0])
    assert close(DepthResponseLoss()(student, teacher), math.sqrt(0.65))
    assert close(DepthResponseLoss(variance_focus=1.0)(student, teacher), math.sqrt(0.5))
    assert close(DepthResponseLoss(variance_focus=0.0)(student, teacher), math.sqrt(1.5))


def test_depth_silog_fully_scale_invariant_at_lambda_one():
    student, teacher = _depth_pair([1.0, 2.0, 0.5, 4.0], [1.0, 0.0, 2.0, 1.0])
    loss = DepthResponseLoss(variance_focus=1.0)
    assert torch.allclose(loss(student * 7.0, teacher), loss(student, teacher))


def test_depth_l1_hand_value():
    # teacher [1, 2, 3, 0], student [2, 2, 1, 5]; pixel 3 excluded (teacher depth 0)
    # |2-1| + |2-2| + |1-3| = 1 + 0 + 2 = 3 over 3 valid pixels -> 1.0
    student = torch.tensor([2.0, 2.0, 1.0, 5.0]).reshape(1, 1, 2, 2)
    teacher = torch.tensor([1.0, 2.0, 3.0, 0.0]).reshape(1, 1, 2, 2)
    assert close(DepthResponseLoss(mode='l1')(student, teacher), 1.0)


def test_depth_invalid_pixels_excluded():
    # The 4 pixels of the silog hand example (-> sqrt(0.65)), then 4 invalid pixels: teacher 0,
    # student 0, teacher nan, student inf. The result must not change.
    s_ok, t_ok = _depth_pair([1.0, 2.0, 0.5, 4.0], [1.0, 0.0, 2.0, 1.0])
    student = torch.cat(
        [s_ok.flatten(), torch.tensor([3.0, 0.0, 2.0, math.inf], dtype=torch.float64)]
    ).reshape(1, 2, 4)
    teacher = torch.cat(
        [t_ok.flatten(), torch.tensor([0.0, 1.0, math.nan, 1.0], dtype=torch.float64)]
    ).reshape(1, 2, 4)
    student.requires_grad_(True)
    loss = DepthResponseLoss()(student, teacher)
    assert close(loss, math.sqrt(0.65))
    loss.backward()
    assert torch.isfinite(student.grad).all()
    assert (student.grad.flatten()[4:] == 0).all()


def test_depth_max_depth_and_no_valid_pixel():
    student = torch.tensor([2.0, 2.0, 1.0, 5.0]).reshape(1, 2, 2)
    teacher = torch.tensor([1.0, 2.0, 3.0, 100.0]).reshape(1, 2, 2)
    # max_depth = 10 drops pixel 3 -> same as the l1 hand example: (1 + 0 + 2) / 3 = 1
    assert close(DepthResponseLoss(mode='l1', max_depth=10.0)(student, teacher), 1.0)
    student.requires_grad_(True)
    empty = DepthResponseLoss()(student, torch.zeros(1, 2, 2))
    assert empty.item() == 0.0
    empty.backward()
    assert (student.grad == 0).all()


def test_depth_bad_arguments():
    with pytest.raises(ValueError, match='mode'):
        DepthResponseLoss(mode='rmse')
    with pytest.raises(ValueError, match='variance_focus'):
        DepthResponseLoss(variance_focus=1.5)
    with pytest.raises(ValueError, match=r'\(N, 1, H, W\)'):
        DepthResponseLoss()(torch.ones(1, 3, 2, 2), torch.ones(1, 3, 2, 2))


# ----------------------------------------------------------------------------- common


@pytest.mark.parametrize('idx', range(7))
def test_zero_when_student_equals_teacher(idx):
    loss_fn, student, _ = all_losses()[idx]
    student = student.clone().requires_grad_(True)
    loss = loss_fn(student, student.detach().clone())
    assert abs(loss.item()) < 1e-6
    loss.backward()
    assert torch.isfinite(student.grad).all()


@pytest.mark.parametrize('idx', range(7))
def test_weight_scaling(idx):
    loss_fn, student, teacher = all_losses()[idx]
    base = loss_fn(student, teacher)
    assert base.dim() == 0 and base.item() > 0
    loss_fn.loss_weight = 2.5
    assert torch.allclose(loss_fn(student, teacher), 2.5 * base)


@pytest.mark.parametrize('idx', range(7))
def test_gradient_to_student_not_teacher(idx):
    loss_fn, student, teacher = all_losses()[idx]
    student = student.clone().requires_grad_(True)
    teacher = teacher.clone().requires_grad_(True)
    loss_fn(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert torch.isfinite(student.grad).all()
    assert teacher.grad is None


@pytest.mark.parametrize(
    'loss_fn, student_shape, teacher_shape',
    [
        (KLDivergence(), (2, 10), (2, 100)),
        (MSEFeature(), (2, 64, 8, 8), (2, 256, 8, 8)),
        (L1Feature(), (2, 64, 8, 8), (2, 64, 16, 16)),
        (ChannelWiseDivergence(), (2, 19, 8, 8), (2, 19, 16, 16)),
        (DepthResponseLoss(), (2, 1, 8, 8), (2, 1, 16, 16)),
    ],
)
def test_shape_mismatch_error(loss_fn, student_shape, teacher_shape):
    with pytest.raises(ValueError) as err:
        loss_fn(torch.ones(student_shape), torch.ones(teacher_shape))
    msg = str(err.value)
    assert str(student_shape) in msg and str(teacher_shape) in msg
    assert 'connector' in msg


def test_too_few_dims_error():
    with pytest.raises(ValueError, match='logits'):
        KLDivergence()(torch.ones(5), torch.ones(5))
    with pytest.raises(ValueError, match='dense'):
        ChannelWiseDivergence()(torch.ones(2, 5), torch.ones(2, 5))
    with pytest.raises(ValueError, match='tau'):
        KLDivergence(tau=0.0)


def test_build_from_registry():
    from mmengine.registry import MODELS as ROOT_MODELS
    from mmengine.registry import DefaultScope

    with DefaultScope.overwrite_default_scope('mmkd'):
        kd = MODELS.build(dict(type='KLDivergence', tau=4.0, loss_weight=0.5))
    assert isinstance(kd, KLDivergence) and kd.tau == 4.0 and kd.loss_weight == 0.5
    for name in ('MSEFeature', 'L1Feature', 'ChannelWiseDivergence', 'DepthResponseLoss'):
        assert MODELS.get(name) is not None
    # how configs name them: the 'mmkd.' prefix, from an upstream default scope
    with DefaultScope.overwrite_default_scope('mmengine'):
        cwd = ROOT_MODELS.build(dict(type='mmkd.ChannelWiseDivergence', tau=4.0))
    assert isinstance(cwd, ChannelWiseDivergence)
