"""DSKD: gradient separation (diffusion -> denoiser, LSH -> student), the frozen teacher, the
guidance measured on the teacher's log-likelihood, the control without guidance, checkpoints
and the error lines for bad input, on all three tasks."""

import copy

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from mmkd.models.distillers import DSKD
from mmkd.registry import MODELS
from mmkd.utils import ConfigError
from tests.conftest import NUM_CLASSES, cls_batch, cls_model, seg_batch, seg_model
from tests.test_distillers.test_distiller import changed, snapshot
from tests.test_distillers.test_sdkd import depth_batch, depth_model

PARTS = ('student', 'teachers', 'denoiser', 'connector')


def connector(s: int, t: int) -> dict:
    return dict(type='mmkd.ConvConnector', in_channels=s, out_channels=t)


def build(scope: str, cfg: dict) -> DSKD:
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(dict(type='mmkd.DSKD', **cfg))


def cls_dskd(**overrides) -> DSKD:
    cfg = dict(
        student=cls_model(8),
        teacher=cls_model(14, width=2),
        taps=dict(feature='neck[-1]'),
        teacher_head='head.fc',
        lsh=dict(type='mmkd.LSHLoss', loss_weight=2.0, connector=connector(64, 128)),
        lsh_warmup_iters=0,
    )
    cfg.update(overrides)
    return build('mmpretrain', cfg)


def seg_dskd(**overrides) -> DSKD:
    cfg = dict(
        student=seg_model(8),
        teacher=seg_model(16),
        taps=dict(feature='decode_head.bottleneck'),
        teacher_head='decode_head.conv_seg',
        lsh=dict(type='mmkd.LSHLoss', sample_pixels=64, connector=connector(16, 16)),
        lsh_warmup_iters=0,
    )
    cfg.update(overrides)
    return build('mmseg', cfg)


def depth_dskd(**overrides) -> DSKD:
    cfg = dict(
        student=depth_model(8),
        teacher=depth_model(16),
        taps=dict(feature='decode_head.bottleneck'),
        teacher_head=['decode_head.conv_seg', 'decode_head.depth_act'],
        lsh=dict(type='mmkd.LSHLoss', connector=connector(16, 16)),
        lsh_warmup_iters=0,
    )
    cfg.update(overrides)
    return build('mmseg', cfg)


TASKS = dict(
    cls=(cls_dskd, lambda seed=0: cls_batch(seed=seed)),
    seg=(seg_dskd, lambda seed=0: seg_batch(seed=seed)),
    depth=(depth_dskd, lambda seed=0: depth_batch(seed=seed)),
)


def losses_of(model: DSKD, batch: dict) -> dict:
    model.train()
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    return model.loss(data['inputs'], data['data_samples'])


def grads_after(model: DSKD, losses: dict, keys) -> dict:
    """Back-propagate the named loss terms; which parts of the model got a gradient."""
    model.zero_grad(set_to_none=True)
    sum(losses[k] for k in keys).backward()
    return {
        part: any(
            p.grad is not None and p.grad.abs().sum() > 0 for p in getattr(model, part).parameters()
        )
        for part in PARTS
    }


@pytest.mark.parametrize('task', sorted(TASKS))
def test_denoiser_learns_only_from_diffusion_and_student_only_from_lsh(task):
    make, batch = TASKS[task]
    model = make()
    losses = losses_of(model, batch())
    assert {'dskd.loss_diffusion', 'distill.loss_lsh', 'dskd.lsh_warmup'} <= set(losses)
    task_keys = [k for k in losses if k.startswith('student.') and 'loss' in k]
    assert grads_after(model, losses, ['dskd.loss_diffusion']) == dict(
        student=False, teachers=False, denoiser=True, connector=False
    )
    losses = losses_of(model, batch())
    assert grads_after(model, losses, ['distill.loss_lsh']) == dict(
        student=True, teachers=False, denoiser=False, connector=True
    )
    losses = losses_of(model, batch())
    assert grads_after(model, losses, task_keys) == dict(
        student=True, teachers=False, denoiser=False, connector=False
    )


@pytest.mark.parametrize(
    'task, options',
    [
        ('seg', dict()),
        ('seg', dict(guide_with='teacher', denoise_target='teacher')),
        ('cls', dict(guide_with='teacher')),
        ('depth', dict(guide_with='teacher')),
    ],
)
def test_optimizer_steps_change_student_and_denoiser_never_the_teacher(task, options):
    make, batch = TASKS[task]
    model = make(**options)
    teacher, student, denoiser = (
        snapshot(m) for m in (model.teacher, model.student, model.denoiser)
    )
    optim = OptimWrapper(
        torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    )
    model.train()
    for seed in range(2):
        model.train_step(batch(seed), optim)
    assert changed(teacher, model.teacher) == []  # weights and BN running statistics
    assert not model.teacher.training
    assert any(k.endswith('weight') for k in changed(student, model.student))
    assert changed(denoiser, model.denoiser)
    assert all(not p.requires_grad for p in model.teacher.parameters())


def fixed_example(task: str):
    """An untrained DSKD of the task, a projected feature, its guidance target and fixed noise."""
    make, batch = TASKS[task]
    torch.manual_seed(0)
    model = make()
    model.train()
    data = model.data_preprocessor(copy.deepcopy(batch()), True)
    with model.taps['student'].recording():
        model.student.loss(data['inputs'], data['data_samples'])
    [feature] = model.read_taps('student', 'feature')
    projected = model.connector(feature, feature).detach()
    model.taps['student'].clear()
    target = model.guidance_target(None, data['data_samples'], projected)
    noise = torch.randn(projected.shape, generator=torch.Generator().manual_seed(1))
    return model, projected, target, noise


@pytest.mark.parametrize('task', sorted(TASKS))
def test_guidance_raises_the_teacher_log_likelihood_of_the_label(task):
    model, projected, target, noise = fixed_example(task)
    samples = [model.sample(projected, target, scale=s, noise=noise) for s in (0.0, 0.5, 1.0)]
    with torch.no_grad():
        log_p = [float(model.log_likelihood(x, target)) for x in samples]
    assert log_p[0] < log_p[1] and log_p[0] < log_p[2], log_p  # unguided is the lowest
    assert not any(x.requires_grad for x in samples)


@pytest.mark.parametrize('task', sorted(TASKS))
def test_scale_zero_is_plain_ddim_and_never_calls_the_teacher(task, monkeypatch):
    model, projected, target, noise = fixed_example(task)
    with torch.no_grad():  # DDIM by hand from the scheduler and the denoiser
        n = projected.shape[0]
        x = model.scheduler.add_noise(projected, noise, torch.full((n,), 400))
        times = model.scheduler.sampling_timesteps(400, 5)
        for t, t_prev in zip(times, [*times[1:], -1]):
            eps = model.denoiser(x, torch.full((n,), t))
            x, x0 = model.scheduler.step(eps, t, t_prev, x)

    def forbidden(*args, **kwargs):
        raise AssertionError('the teacher head ran with guidance off')

    monkeypatch.setattr(model, 'teacher_head_forward', forbidden)
    assert torch.allclose(model.sample(projected, target, scale=0.0, noise=noise), x0)


def test_guidance_off_runs_no_teacher_forward(monkeypatch):
    model = seg_dskd(guidance_scale=0.0)
    calls = []
    monkeypatch.setattr(model.teacher, 'forward', lambda *a, **k: calls.append(1))
    monkeypatch.setattr(model, 'teacher_head_forward', lambda *a: calls.append(2))
    losses_of(model, seg_batch())
    assert calls == []


def test_ignored_pixels_give_no_guidance():
    model, projected, target, _ = fixed_example('seg')
    grad = model.guidance_grad(projected, dict(labels=torch.full_like(target['labels'], 255)))
    assert torch.equal(grad, torch.zeros_like(grad))
    assert target['labels'].shape == (projected.shape[0], *projected.shape[2:])


def test_checkpoint_holds_no_teacher_nor_lsh_projection_and_loads_strictly():
    torch.manual_seed(0)
    model = cls_dskd()
    losses_of(model, cls_batch())
    state = model.state_dict()
    assert not any(k.startswith(('teachers.', 'terms.lsh.loss.')) for k in state)
    assert any(k.startswith('denoiser.') for k in state)
    assert any(k.startswith('connector.') for k in state)
    assert any(k.startswith('student.') for k in state)
    torch.manual_seed(0)  # the same random teacher
    other = cls_dskd()
    other.load_state_dict(state, strict=True)
    for key, value in state.items():
        assert torch.equal(other.state_dict()[key], value)
    # the LSH projection is rebuilt identically: frozen, from its seed and the teacher's std
    frozen = [
        [*m.terms['lsh'].loss.buffers(), *m.terms['lsh'].loss.parameters()] for m in (model, other)
    ]
    assert frozen[0] and len(frozen[0]) == len(frozen[1])
    for a, b in zip(*frozen):
        assert torch.equal(a, b)
    assert not any(p.requires_grad for p in model.terms['lsh'].loss.parameters())


def test_lsh_weight_warms_up_from_the_message_hub():
    model = cls_dskd(lsh_warmup_iters=100)
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 49)
    try:
        torch.manual_seed(0)
        half = losses_of(model, cls_batch())
        assert float(half['dskd.lsh_warmup']) == pytest.approx(0.5)
        hub.update_info('iter', 500)
        torch.manual_seed(0)
        full = losses_of(model, cls_batch())
    finally:
        hub.pop_info('iter')
    assert float(full['dskd.lsh_warmup']) == 1.0
    assert float(half['distill.loss_lsh']) == pytest.approx(0.5 * float(full['distill.loss_lsh']))


@pytest.mark.parametrize(
    'overrides, message',
    [
        (dict(teacher_head='backbone.stem'), "teacher_head 'backbone.stem' is a Sequential"),
        (dict(teacher_head='backbone.stem.0'), "'backbone.stem.0' is a Conv2d with kernel (3, 3)"),
        (dict(teacher_head='head.fcc'), "teacher_head 'head.fcc' is not a module"),
        (
            dict(lsh=dict(type='mmkd.LSHLoss')),
            'losses.lsh: the student tensor (1, 64) does not match the teacher tensor (1, 128). '
            "Add connector=dict(type='mmkd.ConvConnector', in_channels=64, out_channels=128)",
        ),
        (dict(guidance_scal=2.0), 'guidance_scale'),
        (dict(guide_with='labels'), "Did you mean: 'label'"),
        (dict(denoise_target='techer'), "Did you mean: 'teacher'"),
        (dict(taps=dict(feat='neck[-1]')), 'name the feature tap'),
        (dict(t_start=1000), 't_start < 1000'),
    ],
)
def test_bad_input_gets_a_clear_error(overrides, message):
    with pytest.raises(ConfigError) as err:
        cls_dskd(**overrides)
    assert message in str(err.value)


def test_seg_guidance_reads_labels_at_feature_size():
    model, projected, target, _ = fixed_example('seg')
    assert target['labels'].max() < NUM_CLASSES
    assert projected.shape[1] == model.teacher.decode_head.conv_seg.in_channels


def test_lsh_projection_takes_the_teacher_classifier_weight_std():
    model = seg_dskd()
    lsh = model.terms['lsh'].loss
    assert lsh.std == pytest.approx(float(model.teacher.decode_head.conv_seg.weight.std()))
    assert lsh.in_channels == model.teacher.decode_head.conv_seg.in_channels
