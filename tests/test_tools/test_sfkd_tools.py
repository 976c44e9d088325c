"""A few training iterations (tools/train.py's main) of every SFKD and baseline demo:
SFKD (configs/sfkd), DKD, DIST, AT, FitNet and CWD. The teachers stay random (teacher_ckpt=None):
these runs check the wiring, not the accuracy."""

import glob
import math
import os.path as osp

import pytest
from mmengine.config import Config

from .test_tools import CFG, data_options, iter_options, logged_losses, train_many

SEG, DEPTH, CLS = 'cityscapes', 'nyu', 'digits_cifar10'
DEMOS = [
    ('sfkd/cls_kd-sfkd_demo.py', CLS),
    ('sfkd/cls_kd-sfkd_2teachers_demo.py', CLS),
    ('sfkd/cls_dkd-sfkd_demo.py', CLS),
    ('sfkd/cls_dist-sfkd_demo.py', CLS),
    ('sfkd/cls_at-sfkd_demo.py', CLS),
    ('sfkd/seg_kd-sfkd_demo.py', SEG),
    ('sfkd/seg_cwd-sfkd_demo.py', SEG),
    ('sfkd/seg_dkd-sfkd_demo.py', SEG),
    ('sfkd/seg_dist-sfkd_demo.py', SEG),
    ('sfkd/seg_at-sfkd_demo.py', SEG),
    ('sfkd/depth_fitnet-sfkd_demo.py', DEPTH),
    ('sfkd/depth_at-sfkd_demo.py', DEPTH),
    ('dkd/cls_dkd_demo.py', CLS),
    ('dkd/seg_dkd_demo.py', SEG),
    ('dist/cls_dist_demo.py', CLS),
    ('dist/seg_dist_demo.py', SEG),
    ('at/cls_at_demo.py', CLS),
    ('at/seg_at_demo.py', SEG),
    ('at/depth_at_demo.py', DEPTH),
    ('fitnet/depth_fitnet_demo.py', DEPTH),
    ('cwd/seg_cwd_demo.py', SEG),
]

CLS_OPTIONS = [
    'train_cfg.max_epochs=1',
    'train_cfg.val_interval=1',
    'default_hooks.checkpoint.interval=1',
    'train_dataloader.dataset.indices=16',
    'val_dataloader.dataset.indices=16',
    'train_dataloader.batch_size=8',
    'default_hooks.logger.interval=1',
]


def test_every_new_demo_is_listed():
    found = {
        osp.relpath(p, CFG)
        for folder in ('sfkd', 'dkd', 'dist', 'at', 'fitnet', 'cwd')
        for p in glob.glob(osp.join(CFG, folder, '*_demo.py'))
    }
    assert found == {path for path, _ in DEMOS}


@pytest.mark.parametrize('dataset', [CLS, SEG, DEPTH])
def test_demos_train_a_few_iterations(dataset, data_root, tmp_path):
    """Every demo of one dataset, 2 iterations (cls: 2 batches of one epoch) each, through
    tools/train.py's main in one process (train_many)."""
    demos = [config for config, data in DEMOS if data == dataset]
    runs, expected_losses = [], []
    for config in demos:
        path = osp.join(CFG, config)
        cfg = Config.fromfile(path)
        expected_losses.append({f'distill.loss_{name}' for name in cfg.model.losses})
        if dataset == CLS:
            options = data_options(data_root, dataset) + CLS_OPTIONS
        else:
            options = data_options(data_root, dataset) + iter_options(2)
        no_ckpts = [f'model.teachers.{name}.ckpt=None' for name in cfg.model.get('teachers') or {}]
        work = str(tmp_path / config.replace('/', '_'))
        runs.append((path, work, options + (no_ckpts or ['model.teacher_ckpt=None'])))
    train_many(runs)
    for config, (_, work, _), expected in zip(demos, runs, expected_losses):
        losses = logged_losses(work)
        assert len(losses) == 2, config
        for step, values in losses.items():
            assert expected <= set(values), (config, step, sorted(values))
            assert all(math.isfinite(v) for v in values.values()), (config, step, values)


def test_test_tool_scores_a_named_teacher_of_several(data_root, tmp_path):
    import json
    import sys

    from .test_tools import run_tool

    config = osp.join(CFG, 'sfkd/cls_kd-sfkd_2teachers_demo.py')
    options = data_options(data_root, CLS) + [
        'test_dataloader.dataset.indices=16',
        'model.teachers.resnet14.ckpt=None',
    ]
    run_tool(
        [
            sys.executable,
            'tools/test.py',
            config,
            '--teacher',
            'resnet14',
            '--work-dir',
            str(tmp_path / 'test'),
            '--metrics-out',
            str(tmp_path / 'm.json'),
            '--cfg-options',
            *options,
        ]
    )
    assert 0 <= json.load(open(tmp_path / 'm.json'))['accuracy/top1'] <= 100
    proc = run_tool(
        [
            sys.executable,
            'tools/test.py',
            config,
            '--teacher',
            '--work-dir',
            str(tmp_path / 'test2'),
            '--cfg-options',
            *options,
        ],
        expect_ok=False,
    )
    assert proc.returncode == 1 and 'name one of the teachers: resnet20, resnet14' in proc.stderr
