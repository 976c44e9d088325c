"""Several teachers: per-teacher transforms (SFKD masks) before the targets are combined, frozen
teachers, checkpoints without teachers, and clear errors."""

import copy

import pytest
import torch
import torch.nn.functional as F

from mmkd.models.distillers import Distiller
from mmkd.models.target_transforms import TopKMask
from mmkd.registry import MODELS
from mmkd.utils import ConfigError
from tests.conftest import cls_batch, cls_model
from tests.test_distillers.test_distiller import changed, snapshot, train_steps

MASK = dict(type='mmkd.TopKMask', ratio=0.5, dim='channel', fill='zero')


def two_teachers(combine: str = 'mean', **overrides) -> Distiller:
    cfg = dict(
        type='mmkd.Distiller',
        student=cls_model(8),
        teachers=dict(deep=dict(model=cls_model(14)), wide=dict(model=cls_model(8, 2))),
        taps=dict(logits='head.fc'),
        losses=dict(
            kd=dict(
                type='mmkd.KLDivergence',
                tau=2.0,
                student='logits',
                teacher='logits',
                teacher_transform=MASK,
                teacher_combine=combine,
            )
        ),
    )
    cfg.update(overrides)
    return MODELS.build(cfg)


def kd_by_hand(student: torch.Tensor, target: torch.Tensor, tau: float = 2.0) -> torch.Tensor:
    p_t = F.softmax(target / tau, dim=1)
    return (
        tau**2
        * (p_t * (F.log_softmax(target / tau, 1) - F.log_softmax(student / tau, 1))).sum(1).mean()
    )


def logits_of(model, inputs):
    model.eval()
    with torch.no_grad():
        return model(inputs, mode='tensor')


@pytest.mark.parametrize('combine', ['mean', 'mean_loss'])
def test_each_teacher_is_masked_then_combined(mmpretrain_scope, combine):
    model = two_teachers(combine)
    model.eval()
    data = model.data_preprocessor(cls_batch(), False)
    inputs = data['inputs']
    with torch.no_grad():
        losses = model.loss(inputs, data['data_samples'])
    student = logits_of(model.student, inputs)
    mask = TopKMask(ratio=0.5, dim='channel', fill='zero')
    masked = [mask(logits_of(model.teachers[n], inputs)) for n in ('deep', 'wide')]
    if combine == 'mean':
        expected = kd_by_hand(student, (masked[0] + masked[1]) / 2)
    else:
        expected = (kd_by_hand(student, masked[0]) + kd_by_hand(student, masked[1])) / 2
    assert losses['distill.loss_kd'].item() == pytest.approx(expected.item(), rel=1e-5)


def test_teachers_stay_frozen_and_out_of_checkpoints(mmpretrain_scope):
    model = two_teachers()
    before = {n: snapshot(t) for n, t in model.teachers.items()}
    train_steps(model, [cls_batch(seed=i) for i in range(2)])
    assert all(changed(before[n], t) == [] for n, t in model.teachers.items())
    assert all(not t.training for t in model.teachers.values())
    state = model.state_dict()
    assert not any(k.startswith('teachers.') for k in state)
    fresh = two_teachers()
    fresh.load_state_dict(state, strict=True)  # resume fills the teachers from their ckpts


def test_per_teacher_tap_path_and_predicting_with_a_named_teacher(mmpretrain_scope):
    model = two_teachers(
        taps=dict(
            logits=dict(student='head.fc', teacher='head.fc'),
            feat=dict(student='backbone.layer3', teacher='backbone.layer3', wide='backbone.layer2'),
        )
    )
    assert str(model.teacher_taps['wide'].specs['feat']) == 'backbone.layer2'
    assert str(model.teacher_taps['deep'].specs['feat']) == 'backbone.layer3'
    batch = model.data_preprocessor(cls_batch(), False)
    with model.predicting_with_teacher('wide'):
        wide = model.predict(batch['inputs'], copy.deepcopy(batch['data_samples']))
    expected = model.teachers['wide'].predict(batch['inputs'], copy.deepcopy(batch['data_samples']))
    assert torch.equal(wide[0].pred_score, expected[0].pred_score)
    with pytest.raises(ConfigError, match='2 teachers'):
        model.teacher  # noqa: B018 (the property raises)


def test_teacher_checkpoints_load_per_teacher(mmpretrain_scope, tmp_path):
    deep = MODELS.build(cls_model(14))
    torch.save({'state_dict': deep.state_dict()}, tmp_path / 'deep.pth')
    model = two_teachers(
        teachers=dict(
            deep=dict(model=cls_model(14), ckpt=str(tmp_path / 'deep.pth')),
            wide=dict(model=cls_model(8, 2)),
        )
    )
    assert changed(snapshot(deep), model.teachers['deep']) == []
    with pytest.raises(ConfigError, match="teacher 'wide' checkpoint"):
        two_teachers(
            teachers=dict(
                deep=dict(model=cls_model(14)),
                wide=dict(model=cls_model(8, 2), ckpt=str(tmp_path / 'deep.pth')),
            )
        )


@pytest.mark.parametrize(
    'overrides, message',
    [
        (dict(teacher=cls_model(14)), 'not both or none'),
        (dict(teachers=dict(deep=dict(model=cls_model(14), weights='x'))), 'dict\\(model='),
        (dict(teachers=dict(student=dict(model=cls_model(14)))), 'pick another name'),
        (
            dict(
                teachers=dict(
                    deep=dict(model=cls_model(14, num_classes=7)), wide=dict(model=cls_model(8, 2))
                )
            ),
            "teacher 'deep' 7",
        ),
    ],
)
def test_multi_teacher_config_mistakes(mmpretrain_scope, overrides, message):
    with pytest.raises(ConfigError, match=message):
        two_teachers(**overrides)


def test_bad_combine_and_sdkd_needs_one_teacher(mmpretrain_scope):
    with pytest.raises(ConfigError, match='teacher_combine'):
        two_teachers('max')
    with pytest.raises(ConfigError, match='one teacher'):
        MODELS.build(
            dict(
                type='mmkd.SDKD',
                student=cls_model(8),
                teachers=dict(a=dict(model=cls_model(14)), b=dict(model=cls_model(8))),
                taps=dict(logits='head.fc'),
                fusion='backbone.layer2',
            )
        )
