"""AID's teacher adaptation: what training changes (the teacher) and what it must not (the
reference student, the original teacher, their BN statistics); plain-key checkpoints; the early
stop on the validation metric."""

import copy
import json
import logging
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope

from mmkd.engine.hooks import AIDEarlyStopHook
from mmkd.models.distillers import AIDTeacherAdapter
from mmkd.registry import MODELS
from mmkd.utils import ConfigError
from tests.conftest import cls_batch, cls_model, seg_batch, seg_model
from tests.test_distillers.test_distiller import changed, snapshot, train_steps


def cls_adapter(**overrides) -> AIDTeacherAdapter:
    cfg = dict(
        type='mmkd.AIDTeacherAdapter',
        teacher=cls_model(14, width=2),
        reference_student=cls_model(8),
        taps=dict(logits='head.fc'),
        alpha=1.0,
        beta=0.5,
    )
    cfg.update(overrides)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(cfg)


def test_adaptation_changes_the_teacher_only():
    model = cls_adapter()
    before = {
        name: snapshot(getattr(model, name))
        for name in ('teacher', 'original_teacher', 'reference_student')
    }
    logs = train_steps(model, [cls_batch(seed=i) for i in range(2)], lr=0.05)
    assert {'teacher.loss', 'aid.loss_relation', 'aid.loss_anchor', 'aid.relation'} <= set(logs[0])
    assert changed(before['teacher'], model.teacher)
    # parameters and BN running statistics of the frozen models are untouched
    assert changed(before['original_teacher'], model.original_teacher) == []
    assert changed(before['reference_student'], model.reference_student) == []
    assert model.teacher.training
    assert not model.original_teacher.training and not model.reference_student.training
    assert all(not p.requires_grad for p in model.reference_student.parameters())


def test_original_teacher_starts_as_the_teacher_and_anchor_is_zero_then():
    model = cls_adapter(alpha=0.0)
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, model.original_teacher.state_dict()[key])
    model.eval()  # same BN behaviour in both: the anchor compares equal networks
    data = model.data_preprocessor(cls_batch(), False)
    with torch.no_grad():
        losses = model.loss(data['inputs'], data['data_samples'])
    assert losses['aid.loss_anchor'].item() == pytest.approx(0, abs=1e-6)
    assert 'aid.loss_relation' not in losses  # alpha = 0 skips the reference student


def test_non_target_relation_gets_the_labels():
    model = cls_adapter(relation=dict(type='mmkd.NonTargetRelation', tau=2.0), beta=0.0)
    logs = train_steps(model, [cls_batch()], lr=0.01)
    assert torch.isfinite(logs[0]['aid.loss_relation'])
    assert 'aid.loss_anchor' not in logs[0]


def test_checkpoint_holds_the_plain_teacher_and_resumes(tmp_path):
    model = cls_adapter()
    train_steps(model, [cls_batch()], lr=0.05)
    state = model.state_dict()
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        plain = MODELS.build(cls_model(14, width=2))
    assert set(state) == set(plain.state_dict())  # plain keys: upstream loaders accept it
    plain.load_state_dict(state, strict=True)
    x = torch.randn(2, 3, 32, 32)
    model.eval(), plain.eval()
    assert torch.allclose(plain(x, mode='tensor'), model(x, mode='tensor'))

    fresh = cls_adapter()
    reference = snapshot(fresh.reference_student)
    fresh.load_state_dict(state, strict=True)  # what MMEngine does on --resume
    assert changed(snapshot(model.teacher), fresh.teacher) == []
    assert changed(reference, fresh.reference_student) == []


def test_seg_adaptation_step_with_dense_logits():
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(
            dict(
                type='mmkd.AIDTeacherAdapter',
                teacher=seg_model(16),
                reference_student=seg_model(8),
                taps=dict(logits='decode_head.conv_seg'),
            )
        )
        logs = train_steps(model, [seg_batch()], lr=0.01)
    assert {'teacher.decode.loss_ce', 'aid.loss_relation', 'aid.loss_anchor'} <= set(logs[0])


@pytest.mark.parametrize(
    'overrides, message',
    [
        (dict(alhpa=1.0), "Did you mean: 'alpha'"),
        (dict(taps=dict(logits='head.fc', feat='backbone')), 'one tap, `logits`'),
        (dict(taps=dict(logits='head.fcc')), 'head.fc'),
        (dict(relation=dict(type='mmkd.IntraClassRelation', tua=1.0)), 'tau'),
        (
            dict(relation=dict(type='mmkd.IntraClassRelatoin')),
            r"model\.relation: unknown type .*Did you mean: 'IntraClassRelation'",
        ),
        (dict(beta=-1.0), '>= 0'),
        (dict(reference_student=cls_model(8, num_classes=7)), 'num_classes'),
        (
            dict(reference_student=dict(cls_model(8), data_preprocessor=dict(mean=[0.0] * 3))),
            'teacher and reference student normalise images differently',
        ),
    ],
)
def test_config_mistakes_are_clear(overrides, message):
    with pytest.raises(ConfigError, match=message):
        cls_adapter(**overrides)


# ------------------------------------------------------------------------- early stop hook
def fake_runner(model, work_dir: str):
    logger = MMLogger.get_instance('aid_test', log_level=logging.WARNING)
    return SimpleNamespace(
        model=model,
        work_dir=work_dir,
        logger=logger,
        iter=0,
        epoch=0,
        train_loop=SimpleNamespace(stop_training=False),
        train_dataloader=SimpleNamespace(
            dataset=SimpleNamespace(metainfo=dict(classes=('a', 'b')))
        ),
    )


def saved_head(path: str) -> torch.Tensor:
    return torch.load(path, weights_only=True)['state_dict']['head.fc.bias']


def test_early_stop_keeps_the_latest_teacher_within_the_tolerance(tmp_path):
    model = cls_adapter()
    runner = fake_runner(model, str(tmp_path))
    hook = AIDEarlyStopHook(metric='accuracy/top1', tolerance=1.0)
    path = osp.join(tmp_path, 'adapted_teacher.pth')
    for step, value in [(0, 80.0), (10, 80.5), (20, 79.2), (30, 78.5), (40, 79.9)]:
        runner.iter = step
        with torch.no_grad():
            model.teacher.head.fc.bias.fill_(float(step))  # which teacher a file holds
        if runner.train_loop.stop_training:
            break  # MMEngine's loop would have stopped here
        hook._record(runner, {'accuracy/top1': value})
    assert hook.reference == 80.0 and runner.train_loop.stop_training
    assert [h['step'] for h in hook.history] == [0, 10, 20, 30]
    assert hook.kept['step'] == 20  # 79.2: a drop of 0.8 <= 1.0; 78.5 stops
    assert torch.all(saved_head(path) == 20.0)
    summary = json.load(open(osp.join(tmp_path, 'aid_adaptation.json')))
    assert summary['kept']['step'] == 20 and summary['stopped'] and not summary['finished']


def test_early_stop_keep_best_and_lower_is_better(tmp_path):
    model = cls_adapter()
    runner = fake_runner(model, str(tmp_path))
    hook = AIDEarlyStopHook(metric='rmse', tolerance=0.1, rule='less', keep='best')
    for step, value in [(0, 0.50), (10, 0.45), (20, 0.55), (30, 0.58)]:
        runner.iter = step
        with torch.no_grad():
            model.teacher.head.fc.bias.fill_(float(step))
        hook._record(runner, {'rmse': value})
    assert not runner.train_loop.stop_training  # worst drop 0.08 < 0.1
    assert hook.kept['step'] == 10
    assert torch.all(saved_head(osp.join(tmp_path, 'adapted_teacher.pth')) == 10.0)


def test_early_stop_state_survives_a_resume_and_names_missing_metrics(tmp_path):
    model = cls_adapter()
    runner = fake_runner(model, str(tmp_path))
    hook = AIDEarlyStopHook(metric='mIoU', tolerance=1.0)
    hook._record(runner, {'mIoU': 60.0})
    checkpoint = {}
    hook.before_save_checkpoint(runner, checkpoint)
    resumed = AIDEarlyStopHook(metric='mIoU', tolerance=1.0)
    resumed.after_load_checkpoint(runner, copy.deepcopy(checkpoint))
    assert resumed.reference == 60.0 and resumed.kept == hook.kept
    resumed.stopped = True  # a run resumed after its early stop does not train on
    resumed.before_train(runner)
    assert runner.train_loop.stop_training
    with pytest.raises(ConfigError, match=r"no 'mIoU'.*\['aAcc'\]"):
        resumed._record(runner, {'aAcc': 1.0})
