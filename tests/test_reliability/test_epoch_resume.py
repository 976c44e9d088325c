"""--resume continues an epoch-based run exactly, random data transforms included.

Epoch-based loops do not replay the data loader, so numpy's and python's random states (which
RandomCrop and RandomFlip draw from) must come from the checkpoint; an unseeded run must also
resume with its own seed, which the data sampler and the workers' seeding derive from.
"""

import os.path as osp

import pytest
import torch

from tests.test_reliability.conftest import (
    CLS_KD,
    CLS_SDKD,
    CLS_TEACHER,
    data_options,
    save_untrained,
    train,
)
from tests.test_tools.test_tools import logged_losses

# the digits demo's train pipeline (RandomCrop) plus a random flip, 2 epochs of 2 batches
AUGMENTED = """
_base_ = ['{base}']
train_dataloader = dict(num_workers={workers}, dataset=dict(pipeline=[
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs')]))
"""
SDKD_PHASE_AT_EPOCH_2 = """
custom_hooks = [dict(type='mmkd.TeacherReferenceHook', enabled=False),
                dict(type='mmkd.SDKDPhaseHook', begin_epoch=1)]
"""


def epoch_options(root: str, teacher: str, *extra: str):
    return data_options(root, 'digits_cifar10') + [
        'train_cfg.max_epochs=2',
        'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1',
        'train_dataloader.dataset.indices=16',
        'val_dataloader.dataset.indices=8',
        'train_dataloader.batch_size=8',
        'val_dataloader.batch_size=8',
        'default_hooks.logger.interval=1',
        f'model.teacher_ckpt={teacher}',
        *extra,
    ]


def augmented_config(tmp_path, base: str, workers: int, extra: str = '') -> str:
    path = osp.join(str(tmp_path), f'augmented_{osp.basename(base)}')
    with open(path, 'w') as f:
        f.write(AUGMENTED.format(base=base, workers=workers) + extra)
    return path


def assert_second_epoch_identical(config: str, options, tmp_path) -> None:
    """Train 2 epochs, then resume a fresh run from the first epoch's checkpoint: the second
    epoch logs the same losses and ends with the same weights."""
    full, resumed = f'{tmp_path}/full', f'{tmp_path}/resumed'
    train(config, full, options)
    train(config, resumed, options, '--resume', f'{full}/epoch_1.pth')
    full_losses, resumed_losses = logged_losses(full), logged_losses(resumed)
    assert sorted(resumed_losses) == [3, 4]
    for step in (3, 4):
        assert resumed_losses[step] == pytest.approx(full_losses[step], rel=1e-6, abs=1e-7), step
    a = torch.load(f'{full}/epoch_2.pth', weights_only=True)['state_dict']
    b = torch.load(f'{resumed}/epoch_2.pth', weights_only=True)['state_dict']
    assert a.keys() == b.keys()
    differing = [k for k in a if not torch.equal(a[k], b[k])]
    assert not differing, differing[:5]


@pytest.fixture(scope='module')
def cls_teacher(tmp_path_factory) -> str:
    return save_untrained(CLS_TEACHER, str(tmp_path_factory.mktemp('teacher') / 'teacher.pth'))


@pytest.mark.parametrize(
    'workers, seed', [(0, '0'), (2, 'None')], ids=['in-process-seed0', '2-workers-unseeded']
)
def test_kd_epoch_resume_with_random_crop_and_flip(workers, seed, cls_teacher, data_root, tmp_path):
    config = augmented_config(tmp_path, CLS_KD, workers)
    options = epoch_options(data_root, cls_teacher, f'randomness.seed={seed}')
    assert_second_epoch_identical(config, options, tmp_path)


def test_sdkd_epoch_resume_across_its_phase_switch(cls_teacher, data_root, tmp_path):
    """SDKD switches phase at the start of epoch 2, right where the run resumes."""
    config = augmented_config(tmp_path, CLS_SDKD, 0, SDKD_PHASE_AT_EPOCH_2)
    assert_second_epoch_identical(config, epoch_options(data_root, cls_teacher), tmp_path)
