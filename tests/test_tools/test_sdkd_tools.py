"""SDKD through the command-line tools: the three demo configs, the phase switch of k at an
iteration and at an epoch, resuming (k, FFB and optimizer state from the checkpoint), and
2-process dist_train on the CPU."""

import glob
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

from tests.test_tools.conftest import free_port
from tests.test_tools.test_tools import CFG, ROOT, data_options, iter_options, logged_losses, train  # noqa: F401

SEG_SDKD = f'{CFG}/sdkd/seg_sdkd_demo.py'
DEPTH_SDKD = f'{CFG}/sdkd/depth_sdkd_demo.py'
CLS_SDKD = f'{CFG}/sdkd/cls_sdkd_demo.py'
PHASE_HOOK = 1  # index of SDKDPhaseHook in the demo configs' custom_hooks


def logged(work_dir: str, key: str) -> Dict[int, float]:
    """One training scalar per iteration from MMEngine's json log."""
    out = {}
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')):
        for line in open(path):
            record = json.loads(line)
            if key in record:
                out[record['step']] = record[key]
    return out


def run_log(work_dir: str) -> str:
    return ''.join(open(p).read() for p in glob.glob(osp.join(work_dir, '*', '*.log')))


@pytest.fixture(scope='session')
def seg_sdkd_run(untrained_teachers, data_root, tmp_path_factory):
    """4 iterations, k switched after 2, a checkpoint every iteration."""
    work = str(tmp_path_factory.mktemp('seg_sdkd'))
    options = (
        data_options(data_root, 'cityscapes')
        + iter_options(4, ckpt_interval=1)
        + [
            f'model.teacher_ckpt={untrained_teachers["seg"]}',
            f'custom_hooks.{PHASE_HOOK}.begin_iter=2',
            'default_hooks.checkpoint.max_keep_ckpts=4',
        ]
    )
    train(SEG_SDKD, f'{work}/full', options)
    return dict(work=work, options=options)


def test_seg_sdkd_demo_trains_and_switches_k_at_the_iteration(seg_sdkd_run):
    work = seg_sdkd_run['work']
    losses = logged_losses(f'{work}/full')
    assert sorted(losses) == [1, 2, 3, 4]
    assert {
        'student.decode.loss_ce',
        'proxy.decode.loss_ce',
        'distill.loss_kd',
        'distill.loss_kd_proxy',
        'distill.loss_feat_proxy',
        'proxy.loss_kd_teacher',
        'proxy.loss_feat_student',
        'proxy.loss_kd_student',
    } <= set(losses[1])
    assert logged(f'{work}/full', 'sdkd.k') == {1: 0.0, 2: 0.0, 3: 1.0, 4: 1.0}
    assert 'SDKD: phase 2 from iteration 3' in run_log(f'{work}/full')


def test_checkpoints_hold_k_the_ffb_and_its_optimizer_state(seg_sdkd_run):
    work = seg_sdkd_run['work']
    before, after = (torch.load(f'{work}/full/iter_{i}.pth', weights_only=True) for i in (2, 3))
    assert float(before['state_dict']['k']) == 0.0 and float(after['state_dict']['k']) == 1.0
    state = after['state_dict']
    assert any(k.startswith('ffb.') for k in state)
    assert not any(k.startswith('teacher.') for k in state)
    cfg = Config.fromfile(SEG_SDKD)
    cfg.model.teacher_ckpt = None
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg.model)
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert len(after['optimizer']['state']) == len(trainable)  # student and FFB, all stepped
    model.load_state_dict(state, strict=True)


@pytest.mark.parametrize('resume_at', [2, 3])
def test_resume_keeps_the_phase_and_continues_exactly(seg_sdkd_run, resume_at):
    """Resuming before or after the switch logs the same k and losses as the full run."""
    work = seg_sdkd_run['work']
    out = f'{work}/resumed_{resume_at}'
    train(SEG_SDKD, out, seg_sdkd_run['options'], '--resume', f'{work}/full/iter_{resume_at}.pth')
    full, resumed = logged_losses(f'{work}/full'), logged_losses(out)
    steps = list(range(resume_at + 1, 5))
    assert sorted(resumed) == steps
    for step in steps:
        assert resumed[step] == pytest.approx(full[step], rel=1e-6, abs=1e-7)
    assert logged(out, 'sdkd.k') == {s: 1.0 for s in steps}


def test_depth_sdkd_demo_trains(untrained_teachers, data_root, tmp_path):
    train(
        DEPTH_SDKD,
        f'{tmp_path}/depth',
        data_options(data_root, 'nyu')
        + iter_options(2)
        + [
            f'model.teacher_ckpt={untrained_teachers["depth"]}',
            f'custom_hooks.{PHASE_HOOK}.begin_iter=1',
        ],
    )
    losses = logged_losses(f'{tmp_path}/depth')
    assert {
        'student.decode.loss_silog',
        'proxy.decode.loss_silog',
        'distill.loss_kd',
        'distill.loss_kd_proxy',
        'proxy.loss_kd_student',
    } <= set(losses[2])
    assert logged(f'{tmp_path}/depth', 'sdkd.k') == {1: 0.0, 2: 1.0}


def test_cls_sdkd_demo_switches_k_at_the_epoch(untrained_teachers, data_root, tmp_path):
    options = data_options(data_root, 'digits_cifar10') + [
        'train_cfg.max_epochs=2',
        'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2',
        'train_dataloader.dataset.indices=16',
        'val_dataloader.dataset.indices=16',
        'train_dataloader.batch_size=8',
        'default_hooks.logger.interval=1',
        f'model.teacher_ckpt={untrained_teachers["cls"]}',
        f'custom_hooks.{PHASE_HOOK}.begin_epoch=1',
    ]
    train(CLS_SDKD, f'{tmp_path}/cls', options)
    losses = logged_losses(f'{tmp_path}/cls')
    assert all({'student.loss', 'proxy.loss', 'distill.loss_kd'} <= set(v) for v in losses.values())
    assert logged(f'{tmp_path}/cls', 'sdkd.k') == {1: 0.0, 2: 0.0, 3: 1.0, 4: 1.0}
    assert 'SDKD: phase 2 from iteration 3 (epoch 2)' in run_log(f'{tmp_path}/cls')


def test_seg_sdkd_dist_train_two_processes_on_cpu(untrained_teachers, data_root, tmp_path):
    options = (
        data_options(data_root, 'cityscapes')
        + iter_options(2)
        + [
            f'model.teacher_ckpt={untrained_teachers["seg"]}',
            f'custom_hooks.{PHASE_HOOK}.begin_iter=1',
        ]
    )
    port = free_port()
    proc = subprocess.run(
        [
            'bash',
            'tools/dist_train.sh',
            SEG_SDKD,
            '2',
            '--work-dir',
            f'{tmp_path}/dist',
            '--cfg-options',
            *options,
        ],
        cwd=ROOT,
        env=dict(os.environ, PORT=port, PYTHON=sys.executable, OMP_NUM_THREADS='1'),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    log = run_log(f'{tmp_path}/dist')
    assert 'world_size: 2' in log or 'Distributed launcher: pytorch' in log
    assert logged(f'{tmp_path}/dist', 'sdkd.k') == {1: 0.0, 2: 1.0}
    checkpoint = torch.load(f'{tmp_path}/dist/iter_2.pth', weights_only=True)
    assert float(checkpoint['state_dict']['k']) == 1.0
