"""AID's relation losses against values computed by hand."""

import math

import pytest
import torch

from mmkd.models.losses import IntraClassRelation, LogDepthRelation, NonTargetRelation


def softmax(row):
    exps = [math.exp(v) for v in row]
    return [e / sum(exps) for e in exps]


def pearson(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    num = sum((a - mx) * (b - my) for a, b in zip(x, y))
    den = math.sqrt(sum((a - mx) ** 2 for a in x)) * math.sqrt(sum((b - my) ** 2 for b in y))
    return num / den


PRED = [[2.0, 0.0, -1.0], [0.5, 1.5, 0.0], [-1.0, 0.0, 3.0], [1.0, 1.0, 0.5]]
TARGET = [[1.0, 0.5, 0.0], [0.0, 2.0, 0.5], [0.0, -0.5, 1.0], [2.0, 0.0, 0.0]]


def test_intra_class_relation_by_hand():
    tau = 2.0
    p = [softmax([v / tau for v in row]) for row in PRED]
    q = [softmax([v / tau for v in row]) for row in TARGET]
    per_class = [pearson([r[c] for r in p], [r[c] for r in q]) for c in range(3)]
    expected = 1 - sum(per_class) / 3
    loss = IntraClassRelation(tau=tau, loss_weight=0.5)(torch.tensor(PRED), torch.tensor(TARGET))
    assert loss.item() == pytest.approx(0.5 * expected, rel=1e-5)


def test_intra_class_relation_is_zero_for_the_same_outputs_and_treats_pixels_as_samples():
    torch.manual_seed(0)
    logits = torch.randn(2, 5, 3, 4)
    assert IntraClassRelation()(logits, logits.clone()).item() == pytest.approx(0, abs=1e-6)
    other = torch.randn(2, 5, 3, 4)
    flat = lambda t: t.permute(0, 2, 3, 1).reshape(-1, 5)  # noqa: E731
    dense = IntraClassRelation(tau=1.0)(logits, other)
    assert dense.item() == pytest.approx(
        IntraClassRelation(tau=1.0)(flat(logits), flat(other)).item(), rel=1e-6
    )


def test_relation_gradient_reaches_the_prediction_only():
    pred = torch.tensor(PRED, requires_grad=True)
    target = torch.tensor(TARGET, requires_grad=True)
    IntraClassRelation()(pred, target).backward()
    assert pred.grad.abs().sum() > 0 and target.grad is None


def test_non_target_relation_by_hand_skips_ignored_rows():
    tau = 2.0
    labels = [0, 1, 255, 2]
    total, rows = 0.0, 0
    for row_p, row_q, y in zip(PRED, TARGET, labels):
        if y == 255:
            continue
        p = softmax([v / tau for c, v in enumerate(row_p) if c != y])
        q = softmax([v / tau for c, v in enumerate(row_q) if c != y])
        total += sum(b * math.log(b / a) for a, b in zip(p, q))
        rows += 1
    expected = tau**2 * total / rows
    loss = NonTargetRelation(tau=tau)(
        torch.tensor(PRED), torch.tensor(TARGET), labels=torch.tensor(labels)
    )
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    assert NonTargetRelation.needs_labels


def test_non_target_relation_dense_labels_are_resized_to_the_logits():
    torch.manual_seed(0)
    pred, target = torch.randn(1, 4, 2, 2), torch.randn(1, 4, 2, 2)
    labels = torch.tensor([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]])[None]
    small = torch.tensor([[0, 1], [2, 3]])[None]
    loss = NonTargetRelation(tau=1.0)
    assert loss(pred, target, labels=labels).item() == pytest.approx(
        loss(pred, target, labels=small).item(), rel=1e-6
    )


def test_log_depth_relation_by_hand_and_scale_free():
    pred = torch.tensor([1.0, 2.0, 4.0, 3.0]).reshape(1, 1, 2, 2)
    target = torch.tensor([2.0, 2.0, 5.0, 1.0]).reshape(1, 1, 2, 2)
    expected = 1 - pearson([math.log(v) for v in (1, 2, 4, 3)], [math.log(v) for v in (2, 2, 5, 1)])
    assert LogDepthRelation()(pred, target).item() == pytest.approx(expected, rel=1e-5)
    assert LogDepthRelation()(3.0 * target, target).item() == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize(
    'loss, args',
    [
        (IntraClassRelation(), (torch.zeros(2, 3), torch.zeros(2, 4))),
        (LogDepthRelation(), (torch.ones(1, 1, 2, 2), torch.ones(1, 1, 2, 3))),
    ],
)
def test_relation_shape_mismatch_is_a_clear_error(loss, args):
    with pytest.raises(ValueError, match='does not match'):
        loss(*args)
