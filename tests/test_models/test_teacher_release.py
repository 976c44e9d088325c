"""``teacher_cache=dict(..., release_teacher=True)``: the teacher's weights are freed after the
cache fingerprinted them; training from the cache gives the losses of the same cached run with
the teacher loaded (bit for bit); a miss, a writable cache and the teacher reference are refused
or skipped with one line; the distiller still moves, saves, resumes and exports."""

import copy
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import load_checkpoint

from mmkd.apis.checkpoint_fit import check_strict
from mmkd.apis.export import export_student
from mmkd.demo_data import generate_digits_cifar10
from mmkd.engine.hooks import TeacherReferenceHook
from mmkd.models.distillers import Distiller
from mmkd.models.teacher_cache import TeacherCacheMiss
from mmkd.utils import ConfigError
from tests.conftest import cls_batch, cls_model
from tests.test_models.test_teacher_cache import (
    CONFIGS,
    build,
    demo_setup,
    small_cache,
    small_model,
)

# the pair of test_teacher_cache.small_model, as a config for the export
SMALL_PAIR = dict(
    type='mmkd.Distiller',
    student=cls_model(8),
    teacher=cls_model(8),
    taps=dict(logits='head.fc'),
    losses=dict(kd=dict(type='mmkd.KLDivergence', student='logits', teacher='logits')),
)
# every DSKD term reads the teacher: guidance by the teacher's prediction on its cached feature
OVERRIDES = dict(cls_kd={}, cls_sdkd=dict(k=1.0), cls_dskd=dict(guide_with='teacher'))


@pytest.fixture(scope='module')
def demo_root(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp('demo')
    generate_digits_cifar10(str(root / 'digits_cifar10'))
    return str(root)


def teacher_numel(model) -> int:
    return sum(t.numel() for t in [*model.teachers.parameters(), *model.teachers.buffers()])


def train(cfg, scope, batches, cache, **overrides):
    model = build(cfg, scope, cache, **overrides)
    with DefaultScope.overwrite_default_scope(scope):
        optim = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
    return model, optim, [model.train_step(batch, optim) for batch in batches]


@pytest.mark.parametrize('name', ['cls_kd', 'cls_sdkd', 'cls_dskd'])
def test_released_teacher_holds_nothing_and_gives_the_cached_losses(name, demo_root, tmp_path):
    cfg, scope, batches = demo_setup(name, demo_root, batch_size=8, num_batches=3)
    cache = dict(dir=str(tmp_path / 'cache'), mode='exact')
    train(cfg, scope, batches, cache, **OVERRIDES[name])  # misses: the live teacher writes
    kept, _, kept_logs = train(cfg, scope, batches, dict(cache, writable=False), **OVERRIDES[name])
    released, _, logs = train(
        cfg, scope, batches, dict(cache, release_teacher=True), **OVERRIDES[name]
    )
    assert released.teachers_released and not kept.teachers_released
    assert released.teacher_cache.writable is False
    assert (released.teacher_cache.hits, released.teacher_cache.misses) == (3, 0)
    head = sum(p.numel() for p in kept.teacher.head.fc.parameters())
    assert teacher_numel(released) == (head if name == 'cls_dskd' else 0)
    assert teacher_numel(kept) > 100 * head
    for got, want in zip(logs, kept_logs):
        assert got.keys() == want.keys()
        for key in want:
            assert torch.equal(got[key], want[key]), key
    assert released.state_dict().keys() == kept.state_dict().keys()
    for key, value in kept.state_dict().items():
        assert torch.equal(released.state_dict()[key], value), key


def filled_and_released(tmp_path):
    """A tiny pair whose cache holds one batch, and a reader of it with the teacher released."""
    _, data = small_cache(tmp_path)
    reader = small_model(dict(dir=str(tmp_path / 'c'), release_teacher=True))
    reader.release_teachers_if_asked()
    return reader, data


def test_a_miss_is_refused_in_one_line(tmp_path, mmpretrain_scope):
    reader, data = filled_and_released(tmp_path)
    assert teacher_numel(reader) == 0
    reader.teacher_forward(data['inputs'])  # the cached batch: a hit
    with pytest.raises(TeacherCacheMiss, match='does not hold this batch') as err:
        reader.teacher_forward(torch.randn_like(data['inputs']))
    message = str(err.value)
    assert '\n' not in message
    assert 'tools/cache_teacher.py' in message and 'drop release_teacher' in message


def test_release_needs_a_read_only_cache_that_exists(tmp_path, mmpretrain_scope):
    with pytest.raises(ConfigError, match='set writable=False'):
        small_model(dict(dir=str(tmp_path / 'c'), release_teacher=True, writable=True))
    with pytest.raises(ConfigError, match='does not exist.*drop release_teacher'):
        small_model(dict(dir=str(tmp_path / 'none'), release_teacher=True))


def test_dskd_without_a_teacher_read_refuses_release(tmp_path):
    path, scope, _ = CONFIGS['cls_dskd']
    with pytest.raises(ConfigError, match="DSKD: with guide_with='label'"):
        build(Config.fromfile(path), scope, dict(dir=str(tmp_path / 'c'), release_teacher=True))


def test_released_distiller_moves_saves_resumes_and_exports(tmp_path, mmpretrain_scope):
    reader, _ = filled_and_released(tmp_path)
    model = reader.to('cpu').to(torch.float32)  # what MMEngine does before training
    assert teacher_numel(model) == 0
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    model.train()
    model.train_step(cls_batch(), optim)  # cls_batch: the batch the cache holds
    state = model.state_dict()
    assert state and not any(k.startswith('teachers.') for k in state)
    path = str(tmp_path / 'iter_1.pth')
    torch.save({'meta': {}, 'state_dict': state, 'optimizer': optim.state_dict()}, path)

    resumed, _ = filled_and_released(tmp_path)
    check_strict(resumed, path, 'kd.py')
    checkpoint = load_checkpoint(resumed, path, strict=True)
    resumed_optim = OptimWrapper(torch.optim.SGD(resumed.parameters(), lr=0.1, momentum=0.9))
    resumed_optim.load_state_dict(checkpoint['optimizer'])
    assert teacher_numel(resumed) == 0
    resumed.train()
    again = model.train_step(cls_batch(), optim)
    continued = resumed.train_step(cls_batch(), resumed_optim)
    for key in again:
        assert torch.equal(again[key], continued[key]), key

    cfg_path = str(tmp_path / 'kd.py')
    Config(dict(default_scope='mmpretrain', model=SMALL_PAIR)).dump(cfg_path)
    out = str(tmp_path / 'student.pth')
    export_student(Config.fromfile(cfg_path), path, out)
    exported = torch.load(out)['state_dict']
    assert exported.keys() == resumed.student.state_dict().keys()


def test_teacher_reference_hook_skips_a_released_teacher(tmp_path, mmpretrain_scope):
    reader, _ = filled_and_released(tmp_path)
    lines = []
    logger = SimpleNamespace(info=lines.append)
    runner = SimpleNamespace(model=reader, val_loop=object(), logger=logger)
    hook = TeacherReferenceHook()
    hook.before_train(runner)  # the val loop object would fail if it were used
    assert hook.metrics is None
    assert len(lines) == 1 and 'skipped' in lines[0] and 'release_teacher' in lines[0]
    with pytest.raises(ConfigError, match='released'), reader.predicting_with_teacher():
        pass


def test_a_subclass_reads_the_teacher_while_building_then_it_is_released(demo_root, tmp_path):
    """The release runs after the whole build, a subclass's own __init__ included, without the
    subclass calling it."""
    cfg, scope, batches = demo_setup('cls_kd', demo_root, batch_size=8, num_batches=1)
    cache = dict(dir=str(tmp_path / 'cache'), mode='exact')
    train(cfg, scope, batches, cache)  # fills the cache

    class ReadsTeacherWhileBuilding(Distiller):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.teacher_numel_at_build = teacher_numel(self)

    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('type')
    model_cfg.update(teacher_ckpt=None, teacher_cache=dict(cache, release_teacher=True))
    with DefaultScope.overwrite_default_scope(scope):
        torch.manual_seed(0)  # the teacher weights of the cache's fingerprint (as `build`)
        model = ReadsTeacherWhileBuilding(**model_cfg)
    assert model.teacher_numel_at_build > 1000
    assert model.teachers_released and teacher_numel(model) == 0
