"""The teacher-output cache: exact hits are the live teacher's tensors (bit for bit, on real demo
batches), training from the cache logs the live losses, foreign caches are refused, reading runs
no code, and geometric mode maps the un-augmented output through the recorded flip and crop."""

import copy
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmengine.structures import BaseDataElement

from mmkd.demo_data import generate_cityscapes, generate_digits_cifar10
from mmkd.models.target_transforms import TopKMask
from mmkd.models.teacher_cache import TeacherCacheMismatch, map_to_views
from mmkd.registry import MODELS
from mmkd.utils import ConfigError
from tests.conftest import cls_batch, cls_model

CONFIGS = {
    'seg_sdkd': ('configs/sdkd/seg_sdkd_demo.py', 'mmseg', 'cityscapes'),
    'cls_kd': ('configs/kd/cls_kd_demo.py', 'mmpretrain', 'digits_cifar10'),
    'cls_sdkd': ('configs/sdkd/cls_sdkd_demo.py', 'mmpretrain', 'digits_cifar10'),
    'cls_dskd': ('configs/dskd/cls_dskd_demo.py', 'mmpretrain', 'digits_cifar10'),
}


@pytest.fixture(scope='module')
def demo_root(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp('demo'))
    generate_cityscapes(osp.join(root, 'cityscapes'), num_train=8, num_val=2, num_extra=0)
    generate_digits_cifar10(osp.join(root, 'digits_cifar10'))
    return root


def demo_setup(name: str, root: str, batch_size: int = 4, num_batches: int = 2):
    """(config, scope, real training batches of the demo config's own dataloader)."""
    path, scope, data = CONFIGS[name]
    cfg = Config.fromfile(path)
    cfg.train_dataloader.dataset.data_root = osp.join(root, data)
    cfg.train_dataloader.batch_size = batch_size
    with DefaultScope.overwrite_default_scope(scope):
        loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
        batches = [b for b, _ in zip(loader, range(num_batches))]
    return cfg, scope, batches


def build(cfg, scope, cache=None, **model_overrides):
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.teacher_ckpt = None
    model_cfg.update(model_overrides)
    if cache is not None:
        model_cfg.teacher_cache = cache
    with DefaultScope.overwrite_default_scope(scope):
        torch.manual_seed(0)
        return MODELS.build(model_cfg)


def teacher_records(model):
    return {
        name: {tap: taps[tap].clone() for tap in taps.specs}
        for name, taps in model.teacher_taps.items()
    }


def forbid_teacher(model, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError('the teacher ran on a cache hit')

    for teacher in model.teachers.values():
        monkeypatch.setattr(teacher, 'forward', refuse)


@pytest.mark.parametrize('name', ['seg_sdkd', 'cls_kd'])
def test_exact_hits_are_the_live_tensors_bit_for_bit(name, demo_root, tmp_path, monkeypatch):
    cfg, scope, batches = demo_setup(name, demo_root)
    cache = dict(dir=str(tmp_path / 'cache'), mode='exact')
    writer = build(cfg, scope, cache)
    lives = []
    for batch in batches:
        data = writer.data_preprocessor(batch, True)
        writer.teacher_forward(data['inputs'], data['data_samples'])
        lives.append(teacher_records(writer))
    reader = build(cfg, scope, dict(cache, writable=False))
    forbid_teacher(reader, monkeypatch)
    for batch, live in zip(batches, lives):
        data = reader.data_preprocessor(batch, True)
        reader.teacher_forward(data['inputs'], data['data_samples'])
        cached = teacher_records(reader)
        assert live.keys() == cached.keys()
        for teacher, taps in live.items():
            assert taps.keys() == cached[teacher].keys()
            for tap, tensor in taps.items():
                assert cached[teacher][tap].dtype == tensor.dtype
                assert torch.equal(cached[teacher][tap], tensor), (teacher, tap)
    assert (writer.teacher_cache.misses, writer.teacher_cache.hits) == (len(batches), 0)
    assert (reader.teacher_cache.hits, reader.teacher_cache.misses) == (len(batches), 0)
    if name == 'seg_sdkd':  # the fusion tap SDKD reads is cached with the logits
        assert set(live['teacher']) == {'logits', 'fusion'}


@pytest.mark.parametrize('name', ['cls_kd', 'cls_sdkd'])
def test_training_from_the_cache_logs_the_live_losses(name, demo_root, tmp_path):
    cfg, scope, batches = demo_setup(name, demo_root, batch_size=8, num_batches=3)
    extra = dict(k=1.0) if name == 'cls_sdkd' else {}  # every SDKD term on

    def run(cache):
        model = build(cfg, scope, cache, **extra)
        with DefaultScope.overwrite_default_scope(scope):
            optim = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
        logs = [model.train_step(batch, optim) for batch in batches]
        return model, logs

    live, live_logs = run(None)
    cache = dict(dir=str(tmp_path / 'cache'), mode='exact')
    writer, write_logs = run(cache)  # misses: runs live, writes
    reader, read_logs = run(dict(cache, writable=False))
    assert (writer.teacher_cache.misses, reader.teacher_cache.hits) == (3, 3)
    for logs in (write_logs, read_logs):
        for got, want in zip(logs, live_logs):
            assert got.keys() == want.keys()
            for key in want:
                assert torch.equal(got[key], want[key]), key
    for (key, p), q in zip(live.state_dict().items(), reader.state_dict().values()):
        assert torch.equal(p, q), key


def small_cache(tmp_path, **cache):
    """A filled exact cache of a tiny classifier pair; the model and its preprocessed batch."""
    model = small_model(dict(dir=str(tmp_path / 'c'), mode='exact', **cache))
    data = model.data_preprocessor(cls_batch(), True)
    model.teacher_forward(data['inputs'], data['data_samples'])
    return model, data


def small_model(cache, teacher_seed=1, tap='head.fc', student_tap='head.fc'):
    torch.manual_seed(teacher_seed)
    teacher = MODELS.build(cls_model(8))  # its weights fix the cache's teacher digest
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(
            dict(
                type='mmkd.Distiller',
                student=cls_model(8),
                teacher=cls_model(8),
                taps=dict(logits=dict(student=student_tap, teacher=tap)),
                losses=dict(kd=dict(type='mmkd.KLDivergence', student='logits', teacher='logits')),
            )
        )
    model.teacher.load_state_dict(teacher.state_dict())
    from mmkd.models.teacher_cache import build_teacher_cache

    if cache is not None:
        paths = {'teacher': model._teacher_tap_paths('teacher')}
        model.teacher_cache = build_teacher_cache(cache, model.teachers, paths)
    return model


@pytest.mark.parametrize(
    'field, change',
    [
        ('teacher weights', dict(teacher_seed=2)),
        ('teacher tap paths', dict(tap='neck')),
        ('mode', dict(mode='geometric')),
        ('storage', dict(dtype='float16')),
        ('training pipeline', dict(pipeline=[dict(type='RandomCrop', crop_size=30)])),
        ('input size', dict(input_size=(3, 48, 48))),
    ],
)
def test_foreign_cache_is_refused_naming_the_field(tmp_path, mmpretrain_scope, field, change):
    small_cache(tmp_path, pipeline=[dict(type='RandomCrop', crop_size=32)])
    change = dict(change)
    model_args = {k: change.pop(k) for k in ('teacher_seed', 'tap') if k in change}
    size = change.pop('input_size', None)
    cache = dict(dir=str(tmp_path / 'c'), mode='exact', writable=False)
    cache.update(change)
    with pytest.raises(TeacherCacheMismatch, match=f'another {field}') as err:
        model = small_model(cache, **model_args)
        inputs = torch.zeros(2, *size) if size else torch.zeros(2, 3, 32, 32)
        model.teacher_forward(inputs)
    message = str(err.value)
    assert 'tools/cache_teacher.py' in message and '\n' not in message


def test_missing_cache_and_bad_options_are_refused(tmp_path, mmpretrain_scope):
    with pytest.raises(ConfigError, match='does not exist'):
        small_model(dict(dir=str(tmp_path / 'none'), writable=False))
    with pytest.raises(ConfigError, match='keys among'):
        small_model(dict(dir=str(tmp_path / 'c'), modes='exact'))
    with pytest.raises(ConfigError, match='mode must be one of'):
        small_model(dict(dir=str(tmp_path / 'c'), mode='approximate'))


def test_partial_batch_runs_the_teacher_and_writes_only_the_new(tmp_path, mmpretrain_scope):
    model, data = small_cache(tmp_path)
    inputs = data['inputs']
    more = torch.cat([inputs[:1], torch.randn(1, *inputs.shape[1:])])
    model.teacher_forward(more)
    assert len(model.teacher_cache) == len(inputs) + 1
    assert model.teacher_cache.misses == 2


def test_reading_runs_no_code(tmp_path, mmpretrain_scope, monkeypatch):
    model, data = small_cache(tmp_path)
    live = model.teacher_taps['teacher']['logits'].clone()
    files = sorted(os.listdir(tmp_path / 'c'))
    assert files == ['.lock', 'header.json', 'keys.txt', 'teacher.logits.values.bin']

    def refuse(*args, **kwargs):
        raise AssertionError('a cache read unpickled something')

    for module, name in [(pickle, 'load'), (pickle, 'loads'), (torch, 'load'), (np, 'load')]:
        monkeypatch.setattr(module, name, refuse)
    reader = small_model(dict(dir=str(tmp_path / 'c'), writable=False))
    reader.teacher_forward(data['inputs'])
    assert reader.teacher_cache.hits == 1
    assert torch.equal(reader.teacher_taps['teacher']['logits'], live)


def test_topk_storage_is_the_topk_mask_of_the_live_tensor(tmp_path, mmpretrain_scope):
    model, data = small_cache(tmp_path, topk=2)  # 4 classes: keep 2
    live = model.teacher_taps['teacher']['logits'].clone()
    model.teacher_forward(data['inputs'])
    assert model.teacher_cache.hits == 1
    masked = TopKMask(ratio=0.5, dim='channel')(live)
    assert torch.equal(model.teacher_taps['teacher']['logits'], masked)
    assert osp.exists(tmp_path / 'c' / 'teacher.logits.indices.bin')


def test_several_teachers_are_cached_each(tmp_path, mmpretrain_scope, monkeypatch):
    from tests.test_distillers.test_multi_teacher import two_teachers

    cache = dict(dir=str(tmp_path / 'c'), mode='exact')
    torch.manual_seed(0)
    writer = two_teachers(teacher_cache=cache)
    data = writer.data_preprocessor(cls_batch(), True)
    writer.teacher_forward(data['inputs'])
    torch.manual_seed(0)
    reader = two_teachers(teacher_cache=dict(cache, writable=False))
    forbid_teacher(reader, monkeypatch)
    reader.teacher_forward(data['inputs'])
    for name in ('deep', 'wide'):
        got, want = reader.teacher_taps[name]['logits'], writer.teacher_taps[name]['logits']
        assert torch.equal(got, want)


# ------------------------------------------------------------------------- geometric mode
def view(ori, img_shape, flip=False, crop_bbox=None, scale=(1.0, 1.0)):
    meta = dict(ori_shape=ori, img_shape=img_shape, flip=flip, flip_direction='horizontal')
    meta['scale_factor'] = scale
    if crop_bbox is not None:
        meta['crop_bbox'] = crop_bbox
    return BaseDataElement(metainfo=meta)


def test_geometric_maps_a_flipped_crop_onto_the_view():
    # an un-augmented 64x128 image, its output at stride 8: 8x16 cells, 3 channels of distinct
    # values; the view: the 32x64 crop at pixel (8, 16) (cells 1..4, 2..9), flipped
    cached = torch.arange(3 * 8 * 16, dtype=torch.float32).reshape(1, 3, 8, 16)
    sample = view((64, 128), (32, 64), flip=True, crop_bbox=(8, 40, 16, 80))
    mapped = map_to_views(cached, [sample], (32, 64))
    expected = cached[:, :, 1:5, 2:10].flip(-1)
    torch.testing.assert_close(mapped, expected, rtol=0, atol=1e-4)
    # no flip, no crop: the map itself; a half-size resize: every second... the average of
    # each 2x2 block (bilinear at the block's centre)
    same = map_to_views(cached, [view((64, 128), (64, 128))], (64, 128))
    torch.testing.assert_close(same, cached, rtol=0, atol=1e-4)
    half = map_to_views(cached, [view((64, 128), (32, 64), scale=(0.5, 0.5))], (32, 64))
    blocks = torch.nn.functional.avg_pool2d(cached, 2)
    torch.testing.assert_close(half, blocks, rtol=0, atol=1e-4)


def test_geometric_keeps_class_logits_and_needs_a_recorded_crop():
    logits = torch.randn(2, 10)
    samples = [view((32, 32), (32, 32), flip=True)] * 2
    assert map_to_views(logits, samples, (32, 32)) is logits
    cropped = view((64, 128), (32, 64))  # cropped, but no crop_bbox recorded
    with pytest.raises(ConfigError, match='RecordedRandomCrop'):
        map_to_views(torch.zeros(1, 3, 8, 16), [cropped], (32, 64))


def test_recorded_random_crop_records_the_box_it_cropped(mmseg_scope):
    from mmseg.registry import TRANSFORMS

    crop = TRANSFORMS.build(dict(type='mmkd.RecordedRandomCrop', crop_size=(16, 32)))
    image = np.arange(64 * 128 * 3).reshape(64, 128, 3)
    for seed in range(3):
        np.random.seed(seed)
        results = crop(dict(img=image.copy(), gt_seg_map=np.zeros((64, 128)), seg_fields=[]))
        y1, y2, x1, x2 = results['crop_bbox']
        assert (y2 - y1, x2 - x1) == (16, 32)
        assert np.array_equal(results['img'], image[y1:y2, x1:x2])
