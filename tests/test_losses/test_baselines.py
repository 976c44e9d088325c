"""DKD, DIST and AT against values worked out by hand (math module, not torch ops)."""

import math

import pytest
import torch
from mmengine.logging import MessageHub

from mmkd.models.losses import ATLoss, DISTLoss, DKDLoss, KLDivergence, labels_from_data_samples
from mmkd.models.target_transforms import TopKMask
from mmkd.registry import MODELS

from ..conftest import cls_batch, seg_batch

LN2, LN3 = math.log(2.0), math.log(3.0)
INF = math.inf
F64 = torch.float64
# KL([3/4, 1/4] || [1/2, 1/2]) = 0.75*ln(1.5) + 0.25*ln(0.5)              ~= 0.130812
KL_Q_U = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
# KL([1/2, 1/2] || [1/3, 2/3]) = 0.5*ln(1.5) + 0.5*ln(0.75)                ~= 0.058892
KL_HALF_THIRD = 0.5 * math.log(1.5) + 0.5 * math.log(0.75)


def close(value: torch.Tensor, expected: float, tol: float = 1e-6) -> bool:
    return abs(value.item() - expected) < tol


@pytest.fixture
def fresh_hub(request):
    """A message hub of our own (it becomes the current instance) with no runtime info; the
    info the test sets is removed afterwards, so later tests see no iteration or epoch."""
    hub = MessageHub.get_instance(f'test_baselines.{request.node.name}')
    yield hub
    for key in ('iter', 'epoch'):
        hub.pop_info(key, None)


# ----------------------------------------------------------------------------- DKD
#
# Two samples, 3 classes, target class 0, tau = 1, student logits [0, 0, 0]:
#   student p_s = [1/3, 1/3, 1/3] -> binary b_s = [1/3, 2/3], non-target q_s = [1/2, 1/2]
# sample A, teacher [ln2, ln3, 0] -> exp [2, 3, 1] / 6 -> p_t = [1/3, 1/2, 1/6]
#   b_t = [1/3, 2/3] = b_s        -> TCKD_A = 0
#   q_t = [1/2, 1/6] / (2/3) = [3/4, 1/4] -> NCKD_A = KL([3/4,1/4] || [1/2,1/2]) = KL_Q_U
# sample B, teacher [ln2, 0, 0] -> exp [2, 1, 1] / 4 -> p_t = [1/2, 1/4, 1/4]
#   b_t = [1/2, 1/2]              -> TCKD_B = KL([1/2,1/2] || [1/3,2/3]) = KL_HALF_THIRD
#   q_t = [1/2, 1/2] = q_s        -> NCKD_B = 0
# loss = tau² * mean(alpha * TCKD + beta * NCKD) = (alpha * KL_HALF_THIRD + beta * KL_Q_U) / 2
DKD_STUDENT = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
DKD_TEACHER = [[LN2, LN3, 0.0], [LN2, 0.0, 0.0]]


def test_dkd_hand_value():
    s, t = torch.tensor(DKD_STUDENT, dtype=F64), torch.tensor(DKD_TEACHER, dtype=F64)
    labels = torch.tensor([0, 0])
    loss = DKDLoss(alpha=1.0, beta=8.0, tau=1.0)(s, t, labels=labels)
    assert close(loss, (KL_HALF_THIRD + 8 * KL_Q_U) / 2)  # ~= 0.552694
    # the two parts on their own: alpha only sees TCKD, beta only NCKD
    assert close(DKDLoss(alpha=1.0, beta=0.0, tau=1.0)(s, t, labels=labels), KL_HALF_THIRD / 2)
    assert close(DKDLoss(alpha=0.0, beta=1.0, tau=1.0)(s, t, labels=labels), KL_Q_U / 2)


def test_dkd_hand_value_with_tau():
    # logits x2 and tau = 2 give the same distributions; tau² = 4 multiplies the result
    s, t = torch.tensor(DKD_STUDENT, dtype=F64), 2 * torch.tensor(DKD_TEACHER, dtype=F64)
    loss = DKDLoss(alpha=1.0, beta=8.0, tau=2.0)(s, t, labels=torch.tensor([0, 0]))
    assert close(loss, 4 * (KL_HALF_THIRD + 8 * KL_Q_U) / 2)


def test_dkd_decomposes_kd():
    # Zhao et al.'s eq. 1: KD = TCKD + (1 - p_t^T) * NCKD, per sample
    g = torch.Generator().manual_seed(0)
    s, t = torch.randn(1, 6, generator=g, dtype=F64), torch.randn(1, 6, generator=g, dtype=F64)
    labels = torch.tensor([2])
    tckd = DKDLoss(alpha=1.0, beta=0.0, tau=3.0)(s, t, labels=labels)
    nckd = DKDLoss(alpha=0.0, beta=1.0, tau=3.0)(s, t, labels=labels)
    p_target = torch.softmax(t / 3.0, dim=1)[0, 2]
    kd = KLDivergence(tau=3.0)(s, t)
    assert torch.allclose(tckd + (1 - p_target) * nckd, kd)


def test_dkd_dense_per_pixel_ignoring_255():
    # (N=1, C=3, H=1, W=2): pixel 0 is sample A (target 0) -> beta * KL_Q_U; pixel 1 is ignored.
    # mean over the 1 valid pixel, alpha = 1, beta = 8, tau = 1 -> 8 * KL_Q_U ~= 1.046496
    s = torch.zeros(1, 3, 1, 2, dtype=F64)
    t = torch.tensor([[[[LN2, 5.0]], [[LN3, -2.0]], [[0.0, 1.0]]]], dtype=F64)
    dkd = DKDLoss(alpha=1.0, beta=8.0, tau=1.0)
    assert close(dkd(s, t, labels=torch.tensor([[[0, 255]]])), 8 * KL_Q_U)
    assert close(dkd(s, t, labels=torch.tensor([[[[0, 255]]]])), 8 * KL_Q_U)  # (N, 1, H, W)
    # labels at a higher resolution are resized to the logits by nearest neighbour:
    # (2, 4) -> (1, 2) picks row 0, columns 0 and 2 -> [0, 255]
    big = torch.tensor([[[0, 1, 255, 2], [1, 1, 1, 1]]])
    assert close(dkd(s, t, labels=big), 8 * KL_Q_U)


def test_dkd_all_ignored_is_zero_with_gradient():
    s = torch.randn(1, 3, 2, 2, requires_grad=True)
    loss = DKDLoss()(s, torch.randn(1, 3, 2, 2), labels=torch.full((1, 2, 2), 255))
    assert loss.item() == 0.0
    loss.backward()
    assert (s.grad == 0).all()


def test_dkd_teacher_neg_inf_logits():
    # target 0, student [0, 0, 0] (b_s = [1/3, 2/3], q_s = [1/2, 1/2]), teacher [0, ln3, -inf]
    #   p_t = [1/4, 3/4, 0] -> b_t = [1/4, 3/4] -> TCKD = 1/4*ln((1/4)/(1/3)) + 3/4*ln((3/4)/(2/3))
    #   q_t = [1, 0]                           -> NCKD = 1*ln(1/(1/2)) = ln 2
    tckd = 0.25 * math.log(0.75) + 0.75 * math.log(9 / 8)
    s = torch.zeros(1, 3, dtype=F64, requires_grad=True)
    t = torch.tensor([[0.0, LN3, -INF]], dtype=F64)
    loss = DKDLoss(alpha=1.0, beta=8.0, tau=1.0)(s, t, labels=torch.tensor([0]))
    assert close(loss, tckd + 8 * LN2)
    loss.backward()
    assert torch.isfinite(s.grad).all()
    # only the target class finite: b_t = [1, 0] -> TCKD = ln 3; no non-target mass -> NCKD = 0
    t = torch.tensor([[0.0, -INF, -INF]], dtype=F64)
    assert close(DKDLoss(alpha=1.0, beta=8.0, tau=1.0)(s, t, labels=torch.tensor([0])), LN3)
    # the way configs get there: TopKMask(fill='-inf') on the teacher logits
    g = torch.Generator().manual_seed(4)
    s, t = torch.randn(4, 10, generator=g), torch.randn(4, 10, generator=g)
    masked = TopKMask(0.3, fill='-inf')(t)
    assert torch.isfinite(DKDLoss()(s, masked, labels=torch.tensor([0, 3, 9, 1])))


def test_dkd_warmup_from_the_message_hub(fresh_hub):
    s, t = torch.tensor(DKD_STUDENT, dtype=F64), torch.tensor(DKD_TEACHER, dtype=F64)
    labels = torch.tensor([0, 0])
    full = (KL_HALF_THIRD + 8 * KL_Q_U) / 2
    by_iter = DKDLoss(alpha=1.0, beta=8.0, tau=1.0, warmup=10, warmup_by='iter')
    assert close(by_iter(s, t, labels=labels), full)  # no runtime info (outside a runner): 1
    fresh_hub.update_info('iter', 4)  # 5th iteration: (4 + 1) / 10
    assert close(by_iter(s, t, labels=labels), 0.5 * full)
    fresh_hub.update_info('iter', 0)  # 1st iteration: 1 / 10
    assert close(by_iter(s, t, labels=labels), 0.1 * full)
    fresh_hub.update_info('iter', 25)  # after the warm-up: 1
    assert close(by_iter(s, t, labels=labels), full)
    by_epoch = DKDLoss(alpha=1.0, beta=8.0, tau=1.0, warmup=20)  # the paper: 20 epochs
    fresh_hub.update_info('epoch', 0)  # epoch 1 of the paper's count: 1/20
    assert close(by_epoch(s, t, labels=labels), full / 20)
    assert close(DKDLoss(alpha=1.0, beta=8.0, tau=1.0)(s, t, labels=labels), full)  # warmup=0


def test_dkd_needs_labels():
    assert DKDLoss.needs_labels is True
    with pytest.raises(ValueError, match='labels'):
        DKDLoss()(torch.randn(2, 3), torch.randn(2, 3))
    with pytest.raises(ValueError, match=r'\[0, 3\)'):
        DKDLoss()(torch.randn(2, 3), torch.randn(2, 3), labels=torch.tensor([0, 5]))
    with pytest.raises(ValueError, match='labels of shape'):
        DKDLoss()(torch.randn(2, 3), torch.randn(2, 3), labels=torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match='warmup_by'):
        DKDLoss(warmup_by='step')


def test_labels_from_data_samples():
    batch = cls_batch(n=3)
    expected = torch.cat([s.gt_label for s in batch['data_samples']])
    labels = labels_from_data_samples(batch['data_samples'])
    assert labels.shape == (3,) and labels.dtype == torch.long and torch.equal(labels, expected)
    batch = seg_batch(n=2, size=(8, 16))
    labels = labels_from_data_samples(batch['data_samples'])
    assert labels.shape == (2, 8, 16)
    assert torch.equal(labels[1], batch['data_samples'][1].gt_sem_seg.data[0])
    from mmengine.structures import BaseDataElement

    with pytest.raises(ValueError, match='gt_label or gt_sem_seg'):
        labels_from_data_samples([BaseDataElement()])


# ----------------------------------------------------------------------------- DIST
#
# Rows (samples) of probabilities, tau = 1:
#   student logits [0, ln2, ln3] -> [1, 2, 3]/6, [ln3, ln2, 0] -> [3, 2, 1]/6
#   teacher logits [ln3, ln2, 0] -> [3, 2, 1]/6, [0, ln2, ln3] -> [1, 2, 3]/6
# inter: pearson([1,2,3], [3,2,1]) = -1 for both rows -> 1 - (-1) = 2
# intra (columns across the 2 rows):
#   class 0: student [1, 3], teacher [3, 1] -> -1
#   class 1: student [2, 2] (constant) -> 0
#   class 2: student [3, 1], teacher [1, 3] -> -1
#   mean = -2/3 -> 1 - (-2/3) = 5/3
# loss = beta * 2 + gamma * 5/3 = 11/3 for beta = gamma = 1 (eps = 1e-8 shifts it by ~3e-7)
DIST_STUDENT = [[0.0, LN2, LN3], [LN3, LN2, 0.0]]
DIST_TEACHER = [[LN3, LN2, 0.0], [0.0, LN2, LN3]]


def test_dist_hand_value():
    s, t = torch.tensor(DIST_STUDENT, dtype=F64), torch.tensor(DIST_TEACHER, dtype=F64)
    assert close(DISTLoss()(s, t), 11 / 3)
    assert close(DISTLoss(beta=2.0, gamma=0.0)(s, t), 4.0)
    assert close(DISTLoss(beta=0.0, gamma=3.0)(s, t), 5.0)
    # with eps = 1e-8 in the denominators, 11/3 is approached to ~1e-6 (norms here are ~0.1-0.3)
    assert abs(DISTLoss(eps=1e-12)(s, t).item() - 11 / 3) < 1e-9


def test_dist_tau_squared():
    # logits x4 with tau = 4: same probabilities, times tau² = 16
    s, t = torch.tensor(DIST_STUDENT, dtype=F64), torch.tensor(DIST_TEACHER, dtype=F64)
    assert abs(DISTLoss(tau=4.0, eps=1e-12)(4 * s, 4 * t).item() - 16 * 11 / 3) < 1e-8


def test_dist_dense_treats_pixels_as_samples():
    # the hand example as (N=1, C=3, H=1, W=2): pixel 0 = row 0, pixel 1 = row 1
    s = torch.tensor(DIST_STUDENT, dtype=F64).t().reshape(1, 3, 1, 2)
    t = torch.tensor(DIST_TEACHER, dtype=F64).t().reshape(1, 3, 1, 2)
    assert close(DISTLoss()(s, t), 11 / 3)
    g = torch.Generator().manual_seed(5)
    s, t = torch.randn(2, 4, 3, 5, generator=g), torch.randn(2, 4, 3, 5, generator=g)
    flat = DISTLoss(tau=2.0)(
        s.permute(0, 2, 3, 1).reshape(-1, 4), t.permute(0, 2, 3, 1).reshape(-1, 4)
    )
    assert torch.allclose(DISTLoss(tau=2.0)(s, t), flat)


def test_dist_degenerate_uniform_teacher():
    # a teacher with equal logits everywhere has constant probabilities: both correlations are
    # 0 by definition, so the loss is the constant beta + gamma and the student gets no gradient
    s = torch.randn(3, 4, requires_grad=True)
    loss = DISTLoss(beta=2.0, gamma=0.5)(s, torch.zeros(3, 4))
    assert close(loss, 2.5)
    loss.backward()
    assert torch.isfinite(s.grad).all() and s.grad.abs().max() < 1e-6


def test_dist_teacher_neg_inf_logits():
    g = torch.Generator().manual_seed(6)
    s = torch.randn(4, 10, generator=g, requires_grad=True)
    masked = TopKMask(0.5, fill='-inf')(torch.randn(4, 10, generator=g))
    loss = DISTLoss(tau=4.0)(s, masked)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(s.grad).all()


# ----------------------------------------------------------------------------- AT


def test_at_hand_value_with_different_channels():
    # student (N=1, C=1, H=1, W=2) = [1, 1]  -> Q_s = [1, 1] -> a_s = [1/√2, 1/√2]
    # teacher (N=1, C=2, H=1, W=2) = [[2, 0], [0, 0]] -> Q_t = mean_c t² = [2, 0] -> a_t = [1, 0]
    # (a_s - a_t)² summed = (1/√2 - 1)² + (1/√2)² = 2 - √2;
    # mean over the 2 positions -> 1 - 1/√2
    s = torch.ones(1, 1, 1, 2, dtype=F64)
    t = torch.tensor([[[[2.0, 0.0]], [[0.0, 0.0]]]], dtype=F64)
    assert close(ATLoss()(s, t), 1 - 1 / math.sqrt(2))  # ~= 0.292893
    assert close(ATLoss(loss_weight=1000.0)(s, t), 1000 * (1 - 1 / math.sqrt(2)), tol=1e-9 * 1000)


def test_at_exponent():
    # student [1, 1] -> a_s = [1/√2, 1/√2]; teacher one channel [1, 2]
    #   p = 2: Q_t = [1, 4] -> a_t = [1, 4]/√17;  p = 1: Q_t = [1, 2] -> a_t = [1, 2]/√5
    s = torch.ones(1, 1, 1, 2, dtype=F64)
    t = torch.tensor([[[[1.0, 2.0]]]], dtype=F64)
    r2, r17, r5 = math.sqrt(2), math.sqrt(17), math.sqrt(5)
    assert close(ATLoss(p=2)(s, t), ((1 / r2 - 1 / r17) ** 2 + (1 / r2 - 4 / r17) ** 2) / 2)
    assert close(ATLoss(p=1)(s, t), ((1 / r2 - 1 / r5) ** 2 + (1 / r2 - 2 / r5) ** 2) / 2)


def test_at_teacher_mask_hand_value():
    # teacher (1, 1, 2, 2) = [[2, 1], [1, 0]] -> Q_t = [4, 1, 1, 0] (row-major)
    # teacher_mask ratio 0.5 -> K = 2: keeps 4 and the FIRST of the tied 1s -> [4, 1, 0, 0]
    #   -> a_t = [4, 1, 0, 0]/√17
    # student all ones -> a_s = [1/2, 1/2, 1/2, 1/2]
    # loss = ((1/2 - 4/√17)² + (1/2 - 1/√17)² + 1/4 + 1/4) / 4 ~= 0.196830
    s = torch.ones(1, 1, 2, 2, dtype=F64)
    t = torch.tensor([[[[2.0, 1.0], [1.0, 0.0]]]], dtype=F64)
    r17 = math.sqrt(17)
    expected = ((0.5 - 4 / r17) ** 2 + (0.5 - 1 / r17) ** 2 + 0.25 + 0.25) / 4
    loss = ATLoss(teacher_mask=dict(ratio=0.5))(s, t)
    assert close(loss, expected)
    assert abs(expected - 0.196830) < 1e-6
    # the same TopKMask code, however it is given
    assert isinstance(ATLoss(teacher_mask=dict(ratio=0.5)).teacher_mask, TopKMask)
    assert close(ATLoss(teacher_mask=TopKMask(0.5, dim='spatial'))(s, t), expected)
    assert close(ATLoss(teacher_mask=dict(type='mmkd.TopKMask', ratio=0.5))(s, t), expected)
    # ratio 1 changes nothing
    assert torch.allclose(ATLoss(teacher_mask=dict(ratio=1.0))(s, t), ATLoss()(s, t))


def test_at_errors():
    with pytest.raises(ValueError, match='ResizeConnector'):
        ATLoss()(torch.ones(2, 4, 8, 8), torch.ones(2, 16, 4, 4))
    with pytest.raises(ValueError, match=r'\(N, C, H, W\)'):
        ATLoss()(torch.ones(2, 4), torch.ones(2, 4))
    with pytest.raises(ValueError, match="fill='zero'"):
        ATLoss(teacher_mask=dict(ratio=0.5, fill='-inf'))
    with pytest.raises(ValueError, match='dim'):
        ATLoss(teacher_mask=dict(ratio=0.5, dim='channel'))
    with pytest.raises(ValueError, match='TopKMask'):
        ATLoss(teacher_mask=dict(type='mmkd.KLDivergence'))


def test_at_zero_feature_is_finite():
    s = torch.zeros(1, 2, 3, 3, requires_grad=True)
    loss = ATLoss()(s, torch.randn(1, 3, 3, 3))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(s.grad).all()


# ----------------------------------------------------------------------------- common


def all_losses():
    """(loss, student, teacher, kwargs) with valid, non-trivial inputs."""
    g = torch.Generator().manual_seed(0)
    logits, dense = torch.randn(4, 5, generator=g), torch.randn(2, 5, 3, 3, generator=g)
    return [
        (
            DKDLoss(tau=2.0),
            logits,
            torch.randn(4, 5, generator=g),
            dict(labels=torch.tensor([0, 1, 4, 2])),
        ),
        (
            DKDLoss(tau=1.0),
            dense,
            torch.randn(2, 5, 3, 3, generator=g),
            dict(labels=torch.randint(0, 5, (2, 3, 3), generator=g)),
        ),
        (DISTLoss(tau=4.0), logits, torch.randn(4, 5, generator=g), {}),
        (DISTLoss(), dense, torch.randn(2, 5, 3, 3, generator=g), {}),
        (ATLoss(), dense, torch.randn(2, 7, 3, 3, generator=g), {}),
        (ATLoss(teacher_mask=dict(ratio=0.6)), dense, torch.randn(2, 7, 3, 3, generator=g), {}),
    ]


@pytest.mark.parametrize('idx', range(6))
def test_zero_when_student_equals_teacher(idx):
    loss_fn, student, teacher, kwargs = all_losses()[idx]
    student = student.clone().requires_grad_(True)
    if isinstance(loss_fn, ATLoss):
        loss_fn.teacher_mask = None  # a masked teacher map differs from the student's on purpose
    loss = loss_fn(student, student.detach().clone(), **kwargs)
    # DIST: eps = 1e-8 against products of norms of ~1e-4 (near-uniform tau=4 probabilities)
    assert abs(loss.item()) < (1e-3 if isinstance(loss_fn, DISTLoss) else 1e-6)
    loss.backward()
    assert torch.isfinite(student.grad).all()


@pytest.mark.parametrize('idx', range(6))
def test_weight_scaling(idx):
    loss_fn, student, teacher, kwargs = all_losses()[idx]
    base = loss_fn(student, teacher, **kwargs)
    assert base.dim() == 0 and base.item() > 0
    loss_fn.loss_weight = 2.5
    assert torch.allclose(loss_fn(student, teacher, **kwargs), 2.5 * base)


@pytest.mark.parametrize('idx', range(6))
def test_gradient_to_student_not_teacher(idx):
    loss_fn, student, teacher, kwargs = all_losses()[idx]
    student = student.clone().requires_grad_(True)
    teacher = teacher.clone().requires_grad_(True)
    loss_fn(student, teacher, **kwargs).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert torch.isfinite(student.grad).all()
    assert teacher.grad is None


@pytest.mark.parametrize(
    'loss_fn, kwargs',
    [
        (DKDLoss(), dict(labels=torch.zeros(2, dtype=torch.long))),
        (DISTLoss(), {}),
    ],
)
def test_shape_mismatch_error(loss_fn, kwargs):
    with pytest.raises(ValueError) as err:
        loss_fn(torch.ones(2, 10), torch.ones(2, 100), **kwargs)
    assert '(2, 10)' in str(err.value) and '(2, 100)' in str(err.value)
    assert 'connector' in str(err.value)


def test_build_from_registry():
    from mmengine.registry import MODELS as ROOT_MODELS
    from mmengine.registry import DefaultScope

    with DefaultScope.overwrite_default_scope('mmpretrain'):
        dkd = ROOT_MODELS.build(dict(type='mmkd.DKDLoss', alpha=1.0, beta=6.0, warmup=20))
        dist = ROOT_MODELS.build(dict(type='mmkd.DISTLoss', beta=2.0, gamma=2.0, tau=4.0))
        at = ROOT_MODELS.build(
            dict(type='mmkd.ATLoss', loss_weight=1000.0, teacher_mask=dict(ratio=0.6))
        )
    assert isinstance(dkd, DKDLoss) and dkd.beta == 6.0 and dkd.warmup == 20
    assert isinstance(dist, DISTLoss) and dist.tau == 4.0
    assert isinstance(at, ATLoss) and at.teacher_mask.ratio == 0.6
    for name in ('DKDLoss', 'DISTLoss', 'ATLoss'):
        assert MODELS.get(name) is not None
