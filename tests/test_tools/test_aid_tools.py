"""AID through the command-line tools: the two-stage command (adaptation, then distillation
with the adapted teacher; reused when it exists), the adapted checkpoint in the upstream test
tool, and both stages under 2-process dist_train."""

import glob
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List

import pytest
import torch

from tests.test_tools.conftest import free_port, save_untrained
from tests.test_tools.test_tools import (  # noqa: F401
    CFG,
    ROOT,
    SEG_TEACHER,
    data_options,
    iter_options,
    logged_losses,
    run_tool,
    train,
)

SEG_ADAPT = f'{CFG}/aid/seg_aid-adapt_demo.py'
SEG_KD_AID = f'{CFG}/aid/seg_kd-aid_demo.py'
SEG_STUDENT = f'{CFG}/models/seg_pspnet-r18w8_demo-600it_embedded-cityscapes.py'


@pytest.fixture(scope='session')
def seg_models(untrained_teachers, tmp_path_factory) -> Dict[str, str]:
    """Untrained demo teacher (conftest.py's) and student saved as plain upstream checkpoints."""
    student = str(tmp_path_factory.mktemp('aid_models') / 'student.pth')
    return dict(teacher=untrained_teachers['seg'], student=save_untrained(SEG_STUDENT, student))


def two_stage_options(
    work: str, models: Dict[str, str], data_root: str, adapt_iters: int = 4
) -> List[str]:
    """Distillation options plus the adaptation stage's own (aid_adaptation.cfg_options):
    ``adapt_iters`` adaptation iterations, validated every 2."""
    data = data_options(data_root, 'cityscapes')
    stage = [
        f'model.teacher_ckpt={models["teacher"]}',
        f'model.reference_student_ckpt={models["student"]}',
        f'train_cfg.max_iters={adapt_iters}',
        'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2',
        'train_dataloader.batch_size=2',
        'val_dataloader.batch_size=2',
    ] + data
    return (
        data
        + iter_options(2)
        + [
            f'aid_adaptation.work_dir={work}/adapt',
            f'model.teacher_ckpt={work}/adapt/adapted_teacher.pth',
        ]
        + [f'aid_adaptation.cfg_options.{option}' for option in stage]
    )


@pytest.fixture(scope='session')
def aid_run(seg_models, data_root, tmp_path_factory) -> Dict[str, str]:
    work = str(tmp_path_factory.mktemp('aid'))
    options = two_stage_options(work, seg_models, data_root)
    proc = train(SEG_KD_AID, f'{work}/kd', options)
    return dict(work=work, options=options, stdout=proc.stdout)


def test_one_command_adapts_then_distils(aid_run):
    work = aid_run['work']
    assert 'AID stage 1' in aid_run['stdout'] and 'AID stage 2' in aid_run['stdout']
    summary = json.load(open(f'{work}/adapt/aid_adaptation.json'))
    assert summary['finished'] and [h['step'] for h in summary['history']] == [0, 2, 4]
    assert summary['kept']['step'] in (0, 2, 4)
    adapt_losses = logged_losses(f'{work}/adapt')
    assert {'teacher.decode.loss_ce', 'aid.loss_relation', 'aid.loss_anchor'} <= set(
        adapt_losses[4]
    )
    assert 'distill.loss_kd' in logged_losses(f'{work}/kd')[2]
    # the distillation's teacher is the adapted one, not the original
    log = ''.join(open(p).read() for p in glob.glob(f'{work}/kd/*/*.log'))
    assert 'adapted_teacher.pth' in log


def test_second_command_reuses_the_adapted_teacher(aid_run, tmp_path):
    adapted = f'{aid_run["work"]}/adapt/adapted_teacher.pth'
    mtime = os.path.getmtime(adapted)
    proc = train(SEG_KD_AID, f'{tmp_path}/kd2', aid_run['options'])
    assert 'reusing the adapted teacher' in proc.stdout and 'AID stage 1' not in proc.stdout
    assert os.path.getmtime(adapted) == mtime


def test_adapted_teacher_is_an_ordinary_checkpoint_for_the_upstream_test_tool(aid_run, data_root):
    """tools/test.py with the plain teacher config scores the adapted file exactly as the
    adaptation run's own validation did."""
    work = aid_run['work']
    adapted = f'{work}/adapt/adapted_teacher.pth'
    checkpoint = torch.load(adapted, weights_only=True)  # torch's safe default suffices
    assert not any(
        k.startswith(('teacher.', 'reference_student.', 'original_teacher.'))
        for k in checkpoint['state_dict']
    )
    run_tool(
        [
            sys.executable,
            'tools/test.py',
            SEG_TEACHER,
            adapted,
            '--work-dir',
            f'{work}/test_adapted',
            '--metrics-out',
            f'{work}/adapted.json',
            '--cfg-options',
            *data_options(data_root, 'cityscapes'),
            'test_dataloader.batch_size=2',
        ]
    )
    metrics = json.load(open(f'{work}/adapted.json'))
    kept = json.load(open(f'{work}/adapt/aid_adaptation.json'))['kept']
    assert metrics['mIoU'] == pytest.approx(kept['value'], abs=0.01)


def test_mismatched_teacher_path_is_a_clear_error(seg_models, data_root, tmp_path):
    options = two_stage_options(str(tmp_path), seg_models, data_root)
    options = [o for o in options if not o.startswith('model.teacher_ckpt=')]
    options.append(f'model.teacher_ckpt={seg_models["teacher"]}')
    proc = train(SEG_KD_AID, f'{tmp_path}/kd', options, expect_ok=False)
    assert proc.returncode == 1 and 'the adaptation stage writes' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_both_stages_under_dist_train_with_two_processes(seg_models, data_root, tmp_path):
    options = two_stage_options(str(tmp_path), seg_models, data_root, adapt_iters=2)
    proc = subprocess.run(
        [
            'bash',
            'tools/dist_train.sh',
            SEG_KD_AID,
            '2',
            '--work-dir',
            f'{tmp_path}/kd',
            '--cfg-options',
            *options,
        ],
        cwd=ROOT,
        env=dict(os.environ, PORT=free_port(), PYTHON=sys.executable, OMP_NUM_THREADS='1'),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert json.load(open(f'{tmp_path}/adapt/aid_adaptation.json'))['finished']
    assert osp.exists(f'{tmp_path}/kd/iter_2.pth')
    log = open(glob.glob(f'{tmp_path}/adapt/*/*.log')[0]).read()
    assert 'world_size: 2' in log or 'Distributed launcher: pytorch' in log
