"""LSHFM's loss: a hand value, the frozen projection, where gradients go, pixel sampling, and
the plain LSHFM baseline in a Distiller."""

import math

import pytest
import torch

from mmkd.models.losses.lsh import LSHLoss
from mmkd.registry import MODELS
from tests.conftest import cls_batch, cls_model
from tests.test_distillers.test_distiller import changed, snapshot, train_steps

# two 2-d features and two hyperplanes, W = [[1, 0], [0, -1]]
W = torch.tensor([[1.0, 0.0], [0.0, -1.0]])
STUDENT = torch.tensor([[1.0, 2.0], [0.0, 1.0]])
TEACHER = torch.tensor([[2.0, 1.0], [-1.0, -1.0]])
# W s = [1, -2], [0, -1]; W t = [2, -1], [-1, 1] -> hash targets [1, 0], [0, 1].
# BCE(x, y) = log(1 + e^x) - x y: log(1 + e^-1) = 0.313262, log(1 + e^-2) = 0.126928,
# log 2 = 0.693147, log(1 + e^-1) + 1 = 1.313262; mean 0.611650.
# MSE: differences (-1, 1), (1, 2): (1 + 1 + 1 + 4) / 4 = 1.75.
HAND_BCE, HAND_MSE = 0.611650, 1.75


def tiny_loss(**kwargs) -> LSHLoss:
    loss = LSHLoss(in_channels=2, bits=2, **kwargs)
    loss.projection = W.clone()
    return loss


def test_hand_value_on_vectors():
    loss = tiny_loss(mse_weight=0.5, loss_weight=2.0)
    expected = 2.0 * (HAND_BCE + 0.5 * HAND_MSE)  # 2.973299
    assert loss(STUDENT, TEACHER).item() == pytest.approx(expected, abs=1e-5)
    assert tiny_loss(mse_weight=0.0)(STUDENT, TEACHER).item() == pytest.approx(HAND_BCE, abs=1e-5)


def test_maps_hash_every_position():
    # the same two vectors as the two positions of a (1, 2, 1, 2) map give the same value
    as_map = lambda x: x.t().reshape(1, 2, 1, 2)  # noqa: E731
    assert torch.equal(as_map(STUDENT)[0, :, 0, 1], STUDENT[1])
    value = tiny_loss()(as_map(STUDENT), as_map(TEACHER)).item()
    assert value == pytest.approx(HAND_BCE + HAND_MSE, abs=1e-5)


def test_defaults():
    loss = LSHLoss(in_channels=8)
    assert loss.projection.shape == (32, 8)  # bits = 4 * in_channels
    assert loss.loss_weight == 1.0 and loss.mse_weight == 1.0


def test_projection_is_frozen_and_reproducible_without_saving():
    loss = LSHLoss(in_channels=16, bits=64, seed=3)
    assert list(loss.parameters()) == []
    assert not loss.projection.requires_grad
    assert 'projection' not in loss.state_dict()
    again = LSHLoss(in_channels=16, bits=64, seed=3)  # e.g. the same config on --resume
    assert torch.equal(again.projection, loss.projection)
    assert not torch.equal(LSHLoss(in_channels=16, bits=64, seed=4).projection, loss.projection)
    std = loss.projection.std().item()
    assert 0.8 < std < 1.2  # N(0, 1): 1024 draws


def test_set_std_scales_the_same_hyperplanes():
    loss = LSHLoss(in_channels=16, bits=64, seed=3)
    unit = loss.projection.clone()
    loss.set_std(0.05)
    assert loss.std == 0.05
    torch.testing.assert_close(loss.projection, 0.05 * unit)
    with pytest.raises(ValueError, match='std must be > 0'):
        loss.set_std(0.0)


def test_gradients_reach_only_the_student():
    loss = LSHLoss(in_channels=8, bits=16)
    student = torch.randn(4, 8, 3, 3, requires_grad=True)
    teacher = torch.randn(4, 8, 3, 3, requires_grad=True)
    loss(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None
    assert loss.projection.grad is None


def test_sample_pixels_picks_the_same_positions_for_both():
    loss = LSHLoss(in_channels=3, sample_pixels=5)
    # each position's vector is its own (sample, row, column) index; the teacher's is negated
    n, h, w = torch.meshgrid(torch.arange(2), torch.arange(3), torch.arange(4), indexing='ij')
    index = torch.stack([n, h, w], dim=1).float()  # (2, 3, 3, 4)
    rows_s, rows_t = loss.rows(index, -index)
    assert rows_s.shape == (5, 3)
    assert torch.equal(rows_t, -rows_s)
    assert len({tuple(r) for r in rows_s.tolist()}) == 5  # five distinct positions
    for sample, row, col in rows_s.long().tolist():
        assert torch.equal(index[sample, :, row, col], torch.tensor([sample, row, col]).float())


def test_sample_pixels_covering_the_batch_is_the_full_loss():
    g = torch.Generator().manual_seed(0)
    student, teacher = torch.randn(2, 4, 3, 3, generator=g), torch.randn(2, 4, 3, 3, generator=g)
    full = LSHLoss(in_channels=4)(student, teacher)
    assert torch.equal(LSHLoss(in_channels=4, sample_pixels=18)(student, teacher), full)
    sampled = LSHLoss(in_channels=4, sample_pixels=6)(student, teacher)
    assert not torch.equal(sampled, full)


def test_bad_inputs():
    loss = LSHLoss(in_channels=4)
    with pytest.raises(ValueError, match='does not match teacher shape'):
        loss(torch.randn(2, 4), torch.randn(2, 5))
    with pytest.raises(ValueError, match='expected 4 channels'):
        loss(torch.randn(2, 5), torch.randn(2, 5))
    with pytest.raises(ValueError, match='sample_pixels'):
        LSHLoss(in_channels=4, sample_pixels=0)


@pytest.mark.parametrize(
    'tap,loss_args',
    [('neck[0]', dict()), ('backbone.layer3', dict(sample_pixels=32, loss_weight=6.0))],
    ids=['pooled-vectors', 'dense-map'],
)
def test_lshfm_baseline_in_a_distiller(mmpretrain_scope, tap, loss_args):
    model = MODELS.build(
        dict(
            type='mmkd.Distiller',
            student=cls_model(8),
            teacher=cls_model(14),  # same width: 64 channels at both taps
            taps=dict(feat=tap),
            losses=dict(
                lsh=dict(type='mmkd.LSHLoss', in_channels=64, student='feat', teacher='feat')
                | loss_args
            ),
        )
    )
    assert not any('projection' in key for key in model.state_dict())
    teacher_before, student_before = snapshot(model.teacher), snapshot(model.student)
    logs = train_steps(model, [cls_batch(seed=i) for i in range(2)])
    assert all(math.isfinite(log['distill.loss_lsh'].item()) for log in logs)
    assert logs[0]['distill.loss_lsh'] > 0
    assert changed(teacher_before, model.teacher) == []
    assert any(k.endswith('weight') for k in changed(student_before, model.student))
