"""SDKD: the proxy teacher, gradient separation (L_PT -> FFB, L_S -> student), BN protection,
the phase switch of k, and the three tasks."""

import copy
import logging
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from mmkd.engine.hooks import SDKDPhaseHook
from mmkd.models.distillers import SDKD
from mmkd.registry import MODELS
from mmkd.utils import ConfigError
from tests.conftest import (
    SEG_PREPROCESSOR,
    cls_batch,
    cls_model,
    psp_backbone,
    seg_batch,
    seg_model,
)
from tests.test_distillers.test_distiller import changed, snapshot

CLS_LOSS_KEYS = {
    'student.loss',
    'proxy.loss',
    'distill.loss_kd',
    'distill.loss_kd_proxy',
    'distill.loss_feat_proxy',
    'proxy.loss_kd_teacher',
    'proxy.loss_feat_student',
    'proxy.loss_kd_student',
}


def build_sdkd(scope: str, **cfg) -> SDKD:
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(dict(type='mmkd.SDKD', **cfg))


def cls_sdkd(**overrides) -> SDKD:
    cfg = dict(
        student=cls_model(8),
        teacher=cls_model(14, width=2),
        taps=dict(logits='head.fc'),
        fusion=dict(student='backbone.layer2', teacher='backbone.layer3'),
        ffb=dict(num_convs=2),
        tau=2.0,
        lambda_=0.5,
    )
    return build_sdkd('mmpretrain', **{**cfg, **overrides})


def seg_sdkd(**overrides) -> SDKD:
    cfg = dict(
        student=seg_model(8),
        teacher=seg_model(16),
        taps=dict(logits='decode_head.conv_seg'),
        fusion='backbone.layer3',
        tau=1.0,
    )
    return build_sdkd('mmseg', **{**cfg, **overrides})


def depth_model(width: int) -> dict:
    norm = dict(type='BN', requires_grad=True)
    return dict(
        type='DepthEstimator',
        data_preprocessor=dict(SEG_PREPROCESSOR, seg_pad_val=0),
        backbone=psp_backbone(width),
        decode_head=dict(
            type='mmkd.DepthPSPHead',
            in_channels=width * 8,
            in_index=3,
            channels=16,
            pool_scales=(1, 2),
            dropout_ratio=0.0,
            norm_cfg=norm,
            align_corners=False,
            max_depth=10.0,
            loss_decode=dict(type='SiLogLoss'),
        ),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'),
    )


def depth_batch(n: int = 2, size=(32, 32), seed: int = 0) -> dict:
    from mmengine.structures import PixelData

    batch = seg_batch(n, size, seed)
    g = torch.Generator().manual_seed(seed)
    for sample in batch['data_samples']:
        del sample.gt_sem_seg
        sample.gt_depth_map = PixelData(data=0.5 + 9 * torch.rand(1, *size, generator=g))
    return batch


def losses_of(model: SDKD, batch: dict) -> dict:
    model.train()
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    return model.loss(data['inputs'], data['data_samples'])


def grads_after(model: SDKD, losses: dict, prefix: str) -> dict:
    """Back-propagate the loss terms whose key starts with `prefix`; which parameters got a
    gradient, per part of the model."""
    model.zero_grad(set_to_none=True)
    sum(v for k, v in losses.items() if k.startswith(prefix) and 'loss' in k).backward()
    has_grad = {}
    for part in ('student', 'teacher', 'ffb'):
        grads = [p.grad for p in getattr(model, part).parameters()]
        has_grad[part] = [g is not None and bool(g.abs().sum() > 0) for g in grads]
    return has_grad


def test_logged_terms_and_checkpoint_content():
    model = cls_sdkd()
    losses = losses_of(model, cls_batch())
    assert set(losses) == CLS_LOSS_KEYS | {'sdkd.k'}
    assert all(torch.isfinite(v) for v in losses.values())
    # k = 0 in phase 1: the proxy terms of the student's loss are switched off
    assert losses['distill.loss_kd_proxy'] == 0 and losses['distill.loss_feat_proxy'] == 0
    state = model.state_dict()
    assert 'k' in state and any(k.startswith('ffb.') for k in state)
    assert not any(k.startswith('teacher.') for k in state)
    other = cls_sdkd()
    other.load_state_dict(state, strict=True)
    assert torch.equal(other.ffb.convs[0].conv.weight, model.ffb.convs[0].conv.weight)


def test_ffb_channels_are_found_by_a_probe():
    model = cls_sdkd()
    assert (model.ffb.student_channels, model.ffb.teacher_channels) == (32, 128)
    assert model.student.training is model.training  # the probe restored the mode
    assert not model.teacher.training


def test_phase_weights_scale_the_student_proxy_terms():
    model = cls_sdkd(k=1.0)
    torch.manual_seed(0)
    on = losses_of(model, cls_batch())
    model.k.fill_(0.0)
    torch.manual_seed(0)
    off = losses_of(model, cls_batch())
    assert on['distill.loss_kd_proxy'] > 0 and on['distill.loss_feat_proxy'] > 0
    assert off['distill.loss_kd_proxy'] == 0 and off['distill.loss_feat_proxy'] == 0
    for key in ('student.loss', 'distill.loss_kd', 'proxy.loss', 'proxy.loss_kd_student'):
        assert torch.allclose(on[key], off[key])


class _TakeStudent(torch.nn.Module):
    """An FFB that is the identity on the student feature."""

    def forward(self, student, teacher):
        return student


class _Flip(torch.nn.Module):
    def forward(self, student, teacher):
        return student.flip(-1)


@pytest.mark.parametrize('task', ['cls', 'seg', 'seg_indexed'])
def test_proxy_is_the_student_when_the_ffb_is_the_identity(task):
    if task == 'cls':
        model, batch = cls_sdkd(), cls_batch()
    else:
        fusion = 'backbone[3]' if task == 'seg_indexed' else 'backbone.layer2'
        model, batch = seg_sdkd(fusion=fusion), seg_batch()
    model.ffb = _TakeStudent()
    losses = losses_of(model, batch)
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    with model.taps['student'].recording(), torch.no_grad():
        model.student(data['inputs'], data['data_samples'], mode='loss')
        student_logits = model.taps['student']['logits']
    model.teacher_forward(data['inputs'])
    with torch.no_grad():
        model.proxy_forward(data['inputs'], data['data_samples'])
    assert torch.allclose(model.taps['proxy']['logits'], student_logits, atol=1e-6)
    task_key = 'loss' if task == 'cls' else 'decode.loss_ce'
    assert torch.allclose(losses[f'proxy.{task_key}'], losses[f'student.{task_key}'], atol=1e-6)
    assert losses['proxy.loss_kd_student'] < 1e-6 and losses['proxy.loss_feat_student'] < 1e-6

    # the fused feature is what the rest of the proxy runs on, and what its fusion tap records
    model.ffb = _Flip()
    with model.taps['student'].recording(), torch.no_grad():
        model.student(data['inputs'], data['data_samples'], mode='loss')
        student_feat = model.taps['student']['fusion']
        model.proxy_forward(data['inputs'], data['data_samples'])
    assert torch.allclose(model.taps['proxy']['fusion'], student_feat.flip(-1))
    assert not torch.allclose(model.taps['proxy']['logits'], student_logits, atol=1e-4)


@pytest.mark.parametrize('k', [0.0, 1.0])
def test_proxy_loss_trains_only_the_ffb_and_student_loss_only_the_student(k):
    model = cls_sdkd(k=k)
    losses = losses_of(model, cls_batch())
    proxy = grads_after(model, losses, 'proxy.')
    assert not any(proxy['student']) and not any(proxy['teacher']) and all(proxy['ffb'])
    losses = losses_of(model, cls_batch())
    student = grads_after(
        model, {k: v for k, v in losses.items() if k.startswith(('student.', 'distill.'))}, ''
    )
    assert any(student['student']) and not any(student['teacher']) and not any(student['ffb'])


def test_student_proxy_terms_reach_the_student_in_phase_2():
    model = cls_sdkd(k=1.0)
    losses = losses_of(model, cls_batch())
    terms = {
        k: v for k, v in losses.items() if k in ('distill.loss_kd_proxy', 'distill.loss_feat_proxy')
    }
    grads = grads_after(model, terms, 'distill.')
    assert any(grads['student']) and not any(grads['ffb'])


def _step_with(model: SDKD, batch: dict, keep: str, lr: float = 0.1) -> None:
    """One optimizer step (SGD with weight decay and momentum on every trainable parameter)
    on the loss terms whose key starts with `keep` only."""
    full_loss = model.loss
    model.loss = lambda inputs, samples: {
        k: v for k, v in full_loss(inputs, samples).items() if k.startswith(keep)
    }
    optim = OptimWrapper(
        torch.optim.SGD(
            [p for p in model.parameters() if p.requires_grad],
            lr=lr,
            momentum=0.9,
            weight_decay=5e-4,
        )
    )
    model.train()
    model.train_step(copy.deepcopy(batch), optim)
    del model.loss


def params(module: torch.nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in module.named_parameters()}


def params_changed(before: dict, module: torch.nn.Module) -> list:
    return [k for k, v in module.named_parameters() if not torch.equal(v, before[k])]


@pytest.mark.parametrize('task', ['cls', 'seg'])
def test_a_training_step_of_each_loss_moves_only_its_own_parameters(task):
    model = cls_sdkd(k=1.0) if task == 'cls' else seg_sdkd(k=1.0)
    batch = cls_batch() if task == 'cls' else seg_batch()
    teacher = snapshot(model.teacher)
    student, ffb = params(model.student), params(model.ffb)
    _step_with(model, batch, 'proxy.')  # L_PT alone
    assert params_changed(student, model.student) == []
    assert params_changed(ffb, model.ffb) == list(ffb)
    student, ffb = params(model.student), params(model.ffb)
    _step_with(model, batch, ('student.', 'distill.'))  # L_S alone
    assert params_changed(ffb, model.ffb) == []
    assert len(params_changed(student, model.student)) == len(student)
    _step_with(model, batch, '')  # the whole SDKD loss
    assert params_changed(ffb, model.ffb) == list(ffb)
    assert changed(teacher, model.teacher) == []  # weights and BN statistics


@pytest.mark.parametrize('task', ['cls', 'seg'])
def test_proxy_pass_leaves_the_student_bn_statistics_alone(task):
    model = cls_sdkd() if task == 'cls' else seg_sdkd()
    batch = cls_batch() if task == 'cls' else seg_batch()
    model.train()
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    model.teacher_forward(data['inputs'])
    before, ffb_before = snapshot(model.student), snapshot(model.ffb)
    model.proxy_forward(data['inputs'], data['data_samples'])
    assert changed(before, model.student) == []
    assert any(k.endswith('running_mean') for k in changed(ffb_before, model.ffb))

    # a whole SDKD step updates the student's statistics exactly once, as its own pass does
    alone = copy.deepcopy(model.student)
    alone.loss(data['inputs'], data['data_samples'])
    model.loss(data['inputs'], data['data_samples'])
    stats = {k: v for k, v in alone.state_dict().items() if 'running' in k or 'batches' in k}
    assert stats and all(torch.allclose(model.student.state_dict()[k], v) for k, v in stats.items())


def depth_sdkd(**overrides) -> SDKD:
    cfg = dict(
        student=depth_model(8),
        teacher=depth_model(16),
        taps=dict(logits='decode_head.depth_act'),
        fusion='backbone.layer2',
        response_loss=dict(type='mmkd.DepthResponseLoss', mode='l1'),
    )
    return build_sdkd('mmseg', **{**cfg, **overrides})


def test_depth_uses_the_head_loss_and_depth_response_loss():
    model = depth_sdkd(k=1.0)
    assert all(
        type(model.terms[n].loss).__name__ == 'DepthResponseLoss'
        for n in ('kd', 'kd_proxy', 'proxy_kd_teacher', 'proxy_kd_student')
    )
    losses = losses_of(model, depth_batch())
    assert {
        'student.decode.loss_silog',
        'proxy.decode.loss_silog',
        'distill.loss_kd',
        'distill.loss_kd_proxy',
        'proxy.loss_kd_teacher',
    } <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    grads = grads_after(model, losses, 'proxy.')
    assert not any(grads['student']) and all(grads['ffb'])


def test_config_mistakes_are_explained():
    with pytest.raises(ConfigError, match="taps=dict\\(logits='head.fc'\\)"):
        cls_sdkd(taps=dict(feat='backbone.layer3'))
    with pytest.raises(ConfigError, match='`fusion` must be'):
        cls_sdkd(fusion=dict(student='backbone.layer2'))
    with pytest.raises(ConfigError, match="no module 'backbone.layer9'"):
        cls_sdkd(fusion='backbone.layer9')
    with pytest.raises(ConfigError, match="unknown weights \\['kd_teacher'\\]"):
        cls_sdkd(weights=dict(kd_teacher=2.0))
    with pytest.raises(ConfigError, match='are SDKD terms'):
        cls_sdkd(losses=dict(kd=dict(type='mmkd.KLDivergence', student='logits', teacher='logits')))
    with pytest.raises(ConfigError, match="'lamda'.*Did you mean: 'lambda_'"):
        cls_sdkd(lamda=1.0)
    with pytest.raises(ConfigError, match="unknown type 'mmkd.KLDivergense'.*KLDivergence"):
        cls_sdkd(response_loss=dict(type='mmkd.KLDivergense'))
    with pytest.raises(ConfigError, match='exactly one of begin_iter and begin_epoch'):
        SDKDPhaseHook()


def test_weights_lambda_and_tau_reach_the_losses():
    model = cls_sdkd(weights=dict(kd=3.0, proxy_feat_student=0.5), lambda_=0.25, tau=3.0)
    losses = {name: term.loss for name, term in model.terms.items()}
    assert losses['kd'].loss_weight == 3.0 and losses['kd'].tau == 3.0
    assert losses['proxy_kd_student'].loss_weight == 0.25
    assert (
        losses['proxy_feat_student'].loss_weight == 0.5 and losses['feat_proxy'].loss_weight == 1.0
    )


def _fake_runner(model, iteration=0, epoch=0):
    logger = MMLogger.get_instance('test_sdkd', log_level=logging.INFO)
    return SimpleNamespace(model=model, iter=iteration, epoch=epoch, logger=logger)


def test_phase_hook_switches_k_at_the_iteration_and_the_epoch():
    model = cls_sdkd()
    hook = SDKDPhaseHook(begin_iter=3)
    seen = []
    for i in range(5):
        hook.before_train_iter(_fake_runner(model, iteration=i), i)
        seen.append(float(model.k))
    assert seen == [0, 0, 0, 1, 1]

    model = cls_sdkd()
    hook = SDKDPhaseHook(begin_epoch=2, k=0.5)
    seen = []
    for epoch in range(4):
        hook.before_train_epoch(_fake_runner(model, epoch=epoch))
        seen.append(float(model.k))
    assert seen == [0, 0, 0.5, 0.5]


def test_sfkd_mask_reaches_only_the_terms_that_read_the_teacher():
    from mmkd.models.losses import KLDivergence
    from mmkd.models.target_transforms import TopKMask

    model = cls_sdkd(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.5))
    masked = {name for name, term in model.terms.items() if term.teacher_transform is not None}
    assert masked == {'kd', 'proxy_kd_teacher'}
    g = torch.Generator().manual_seed(0)
    student, teacher = torch.randn(4, 10, generator=g), torch.randn(4, 10, generator=g)
    for name in ('kd', 'proxy_kd_teacher'):
        expected = KLDivergence(tau=2.0)(student, TopKMask(0.5)(teacher))
        assert torch.allclose(model.terms[name](student, [teacher]), expected)
    losses = losses_of(model, cls_batch())
    assert all(torch.isfinite(v) for v in losses.values())
