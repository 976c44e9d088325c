"""The distiller core: what training changes (the student) and what it must not (the teacher)."""

import copy

import pytest
import torch
from mmengine.optim import OptimWrapper

from mmkd.models.distillers import Distiller, NonFiniteLossError
from mmkd.registry import MODELS
from mmkd.utils import ConfigError
from tests.conftest import NUM_CLASSES, cls_batch, cls_model, seg_batch, seg_model

KD = dict(type='mmkd.KLDivergence', tau=2.0, loss_weight=1.0, student='logits', teacher='logits')


def cls_distiller(**overrides) -> Distiller:
    cfg = dict(
        type='mmkd.Distiller',
        student=cls_model(8),
        teacher=cls_model(14, width=2),
        taps=dict(
            logits='head.fc', feat=dict(student='backbone.layer3', teacher='backbone.layer3')
        ),
        losses=dict(kd=KD),
    )
    cfg.update(overrides)
    return MODELS.build(cfg)


def train_steps(model: Distiller, batches, lr: float = 0.1):
    optim = OptimWrapper(torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=lr))
    model.train()
    return [model.train_step(batch, optim) for batch in batches]


def snapshot(module: torch.nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed(before: dict, module: torch.nn.Module) -> list:
    return [k for k, v in module.state_dict().items() if not torch.equal(v, before[k])]


def test_training_changes_student_but_not_teacher(mmpretrain_scope):
    model = cls_distiller()
    teacher_before, student_before = snapshot(model.teacher), snapshot(model.student)
    logs = train_steps(model, [cls_batch(seed=i) for i in range(2)])
    assert set(logs[0]) >= {'loss', 'student.loss', 'distill.loss_kd'}
    assert changed(teacher_before, model.teacher) == []  # weights and BN running stats
    moved = changed(student_before, model.student)
    assert any(k.endswith('running_mean') for k in moved)  # student BN statistics update
    assert any(k.endswith('weight') for k in moved)
    assert all(not p.requires_grad for p in model.teacher.parameters())


def test_teacher_stays_in_eval_mode(mmpretrain_scope):
    model = cls_distiller()
    model.train()
    assert model.student.training
    assert not any(m.training for m in model.teacher.modules())


def test_teacher_never_computes_its_loss_and_sees_no_labels(mmpretrain_scope, monkeypatch):
    model = cls_distiller()

    def forbidden(*args, **kwargs):
        raise AssertionError('the teacher ran its loss path')

    monkeypatch.setattr(model.teacher, 'loss', forbidden)
    monkeypatch.setattr(model.teacher.head, 'loss', forbidden)
    seen = {}
    original_forward = model.teacher.forward

    def spy(inputs, data_samples=None, mode='tensor'):
        seen.update(mode=mode, data_samples=data_samples, grad=torch.is_grad_enabled())
        return original_forward(inputs, data_samples, mode)

    monkeypatch.setattr(model.teacher, 'forward', spy)
    train_steps(model, [cls_batch()])
    assert seen == dict(mode='tensor', data_samples=None, grad=False)


def test_teacher_forward_stops_after_its_last_tap(mmpretrain_scope):
    model = cls_distiller(
        taps=dict(feat='backbone.layer3'),
        losses=dict(
            fit=dict(
                type='mmkd.MSEFeature',
                student='feat',
                teacher='feat',
                connector=dict(type='mmkd.ConvConnector', in_channels=64, out_channels=128),
            )
        ),
    )
    calls = []
    model.teacher.head.register_forward_hook(lambda *a: calls.append(1))
    logs = train_steps(model, [cls_batch()])
    assert calls == [] and torch.isfinite(logs[0]['distill.loss_fit'])


def test_checkpoint_holds_no_teacher_and_loads_back_strictly(mmpretrain_scope):
    model = cls_distiller(
        losses=dict(
            kd=KD,
            fit=dict(
                type='mmkd.MSEFeature',
                student='feat',
                teacher='feat',
                connector=dict(type='mmkd.ConvConnector', in_channels=64, out_channels=128),
            ),
        )
    )
    state = model.state_dict()
    assert not any(k.startswith('teacher.') for k in state)
    assert any(k.startswith('student.') for k in state)
    assert any(k.startswith('terms.fit.connector.') for k in state)
    other = cls_distiller(losses=model_losses(model))
    other.load_state_dict(state, strict=True)
    for key, value in state.items():
        assert torch.equal(other.state_dict()[key], value)


def model_losses(model: Distiller) -> dict:
    return dict(
        kd=KD,
        fit=dict(
            type='mmkd.MSEFeature',
            student='feat',
            teacher='feat',
            connector=dict(type='mmkd.ConvConnector', in_channels=64, out_channels=128),
        ),
    )


def test_teacher_checkpoint_loads_and_mismatches_are_explained(mmpretrain_scope, tmp_path):
    teacher = MODELS.build(cls_model(14, width=2))
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict(), 'meta': {}}, path)
    model = cls_distiller(teacher_ckpt=str(path))
    for key, value in teacher.state_dict().items():
        assert torch.equal(model.teacher.state_dict()[key], value)

    with pytest.raises(ConfigError, match='teacher checkpoint not found'):
        cls_distiller(teacher_ckpt=str(tmp_path / 'missing.pth'))
    (tmp_path / 'broken.pth').write_bytes(b'not a checkpoint')
    with pytest.raises(ConfigError, match='could not be read'):
        cls_distiller(teacher_ckpt=str(tmp_path / 'broken.pth'))
    with pytest.raises(ConfigError, match='does not fit the teacher config') as err:
        cls_distiller(teacher=cls_model(8), teacher_ckpt=str(path))
    assert 'shape mismatch' in str(err.value) or 'not in model' in str(err.value)


def test_class_count_mismatch_is_a_config_error(mmpretrain_scope):
    with pytest.raises(
        ConfigError, match=f'student predicts {NUM_CLASSES} classes but the teacher 7'
    ):
        cls_distiller(teacher=cls_model(14, num_classes=7))


def test_teacher_with_other_normalisation_is_a_config_error(mmpretrain_scope):
    teacher = cls_model(14)
    teacher['data_preprocessor']['mean'] = [120.0] * 3  # it would see shifted inputs
    with pytest.raises(ConfigError, match='student and teacher normalise images differently'):
        cls_distiller(teacher=teacher)


def test_unknown_keys_are_named_with_suggestions(mmpretrain_scope):
    with pytest.raises(ConfigError, match="'tap'.*Did you mean: 'taps'"):
        cls_distiller(tap=dict(logits='head.fc'))
    with pytest.raises(ConfigError, match="losses.kd.*'temperature'"):
        cls_distiller(losses=dict(kd=dict(KD, temperature=4)))
    with pytest.raises(ConfigError, match="student='logit' is not a tap.*'logits'"):
        cls_distiller(losses=dict(kd=dict(KD, student='logit')))
    with pytest.raises(ConfigError, match="no module 'head.fcc'.*'head.fc'"):
        cls_distiller(taps=dict(logits='head.fcc'))


def test_shape_mismatch_suggests_a_connector(mmpretrain_scope):
    model = cls_distiller(
        losses=dict(fit=dict(type='mmkd.MSEFeature', student='feat', teacher='feat'))
    )
    with pytest.raises(ConfigError, match="ConvConnector', in_channels=64, out_channels=128"):
        train_steps(model, [cls_batch()])


def test_at_compares_maps_across_channel_counts_without_a_connector(mmpretrain_scope):
    # 64 student vs 128 teacher channels at the same 8x8 positions: AT's maps are channel-free.
    model = cls_distiller(
        losses=dict(at=dict(type='mmkd.ATLoss', loss_weight=10.0, student='feat', teacher='feat'))
    )
    assert model.terms['at'].connector is None
    logs = train_steps(model, [cls_batch()])
    assert torch.isfinite(logs[0]['distill.loss_at']) and logs[0]['distill.loss_at'] > 0
    spatial = cls_distiller(
        taps=dict(feat=dict(student='backbone.layer2', teacher='backbone.layer3')),
        losses=dict(at=dict(type='mmkd.ATLoss', student='feat', teacher='feat')),
    )
    with pytest.raises(ConfigError, match='batch or spatial size.*ResizeConnector') as err:
        train_steps(spatial, [cls_batch()])
    assert 'ConvConnector' not in str(err.value)


def test_non_finite_loss_stops_before_the_update(mmpretrain_scope):
    model = cls_distiller(losses=dict(kd=dict(KD, loss_weight=float('nan'))))
    before = snapshot(model.student)
    with pytest.raises(NonFiniteLossError, match='distill.loss_kd=nan.*Last good checkpoint'):
        train_steps(model, [cls_batch()])
    # BN statistics move in the forward, but no weight was updated by the optimizer
    assert [
        k for k in changed(before, model.student) if 'running' not in k and 'num_batches' not in k
    ] == []


def test_validation_runs_the_student_and_can_run_the_teacher(mmpretrain_scope):
    model = cls_distiller()
    model.eval()
    batch = cls_batch()
    student_scores = model.val_step(copy.deepcopy(batch))[0].pred_score
    with model.predicting_with_teacher():
        teacher_scores = model.val_step(copy.deepcopy(batch))[0].pred_score
    data = model.data_preprocessor(copy.deepcopy(batch))
    direct = model.student.predict(data['inputs'], data['data_samples'])[0].pred_score
    assert torch.allclose(student_scores, direct)
    assert not torch.allclose(student_scores, teacher_scores)


def test_segmentation_distiller_with_dense_kd_and_cwd(mmseg_scope):
    model = MODELS.build(
        dict(
            type='mmkd.Distiller',
            student=seg_model(8),
            teacher=seg_model(16),
            taps=dict(logits='decode_head.conv_seg'),
            losses=dict(
                kd=KD,
                cwd=dict(
                    type='mmkd.ChannelWiseDivergence',
                    tau=4.0,
                    loss_weight=3.0,
                    student='logits',
                    teacher='logits',
                ),
            ),
        )
    )
    teacher_before = snapshot(model.teacher)
    logs = train_steps(model, [seg_batch(seed=i) for i in range(2)], lr=0.01)
    assert {'student.decode.loss_ce', 'distill.loss_kd', 'distill.loss_cwd'} <= set(logs[-1])
    assert changed(teacher_before, model.teacher) == []
    model.eval()
    preds = model.val_step(seg_batch())
    assert preds[0].pred_sem_seg.data.shape[-2:] == (32, 32)


class _Negate(torch.nn.Module):
    def forward(self, x):
        return -x


def test_teacher_transform_changes_only_the_target(mmpretrain_scope):
    MODELS.register_module(name='_TestNegate', module=_Negate, force=True)
    plain = cls_distiller(
        losses=dict(l1=dict(type='mmkd.L1Feature', student='logits', teacher='logits'))
    )
    negated = cls_distiller(
        losses=dict(
            l1=dict(
                type='mmkd.L1Feature',
                student='logits',
                teacher='logits',
                teacher_transform=dict(type='mmkd._TestNegate'),
            )
        )
    )
    negated.load_state_dict(plain.state_dict())
    negated.teacher.load_state_dict(plain.teacher.state_dict())
    plain.eval()
    negated.eval()
    data = plain.data_preprocessor(cls_batch())
    with torch.no_grad():
        a = plain.loss(data['inputs'], data['data_samples'])['distill.loss_l1']
        with plain.taps['student'].recording(), plain.teacher_taps['teacher'].recording():
            plain.student(data['inputs'], mode='tensor')
            plain.teacher(data['inputs'], mode='tensor')
            s, t = plain.taps['student']['logits'], plain.teacher_taps['teacher']['logits']
        b = negated.loss(data['inputs'], data['data_samples'])['distill.loss_l1']
    assert torch.allclose(a, (s - t).abs().mean())
    assert torch.allclose(b, (s + t).abs().mean())
