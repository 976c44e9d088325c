"""In a multi-process run the validated model is the saved (rank 0) one.

Each DDP rank updates its BatchNorm running statistics from its own batches; without
mmkd.ValidateRankZeroModelHook every rank validated its share of the data with its own
statistics, so the logged score described no checkpoint.
"""

import glob
import json
import os
import subprocess
import sys
import textwrap

import torch

from tests.test_reliability.conftest import (
    CLS_KD,
    CLS_TEACHER,
    ROOT,
    data_options,
    free_port,
    run_tool,
    save_untrained,
)

# A probe imported by the run: after each validation every rank saves the buffers it validated
# with; and the KD demo on 16 train / 16 val digits, one epoch of one batch per rank.
PROBE = textwrap.dedent("""
    import os.path as osp
    import torch
    from mmengine.dist import get_rank
    from mmengine.hooks import Hook
    from mmengine.registry import HOOKS

    @HOOKS.register_module()
    class SaveValidatedBuffersHook(Hook):
        def after_val_epoch(self, runner, metrics=None):
            model = runner.model.module
            torch.save({k: v.clone() for k, v in model.named_buffers()},
                       osp.join(runner.work_dir, f'validated_buffers_rank{get_rank()}.pt'))
""")
CONFIG = textwrap.dedent("""
    _base_ = ['{base}']
    custom_imports = dict(imports=['mmkd', 'bn_probe'], allow_failed_imports=False)
    custom_hooks = [dict(type='SaveValidatedBuffersHook')]
""")


def test_validation_score_and_buffers_are_those_of_the_saved_checkpoint(data_root, tmp_path):
    teacher = save_untrained(CLS_TEACHER, str(tmp_path / 'teacher.pth'))
    (tmp_path / 'bn_probe.py').write_text(PROBE)
    config = tmp_path / 'kd_probe.py'
    config.write_text(CONFIG.format(base=CLS_KD))
    options = (
        data_options(data_root, 'digits_cifar10')
        + [
            'train_cfg.max_epochs=1',
            'train_cfg.val_interval=1',
            'default_hooks.checkpoint.interval=1',
            'train_dataloader.batch_size=8',
            f'model.teacher_ckpt={teacher}',
        ]
        + [f'{split}_dataloader.dataset.indices=16' for split in ('train', 'val', 'test')]
        + [f'{split}_dataloader.batch_size=8' for split in ('val', 'test')]
    )
    work = str(tmp_path / 'dist')
    proc = subprocess.run(
        [
            'bash',
            'tools/dist_train.sh',
            str(config),
            '2',
            '--work-dir',
            work,
            '--cfg-options',
            *options,
        ],
        cwd=ROOT,
        env=dict(
            os.environ,
            PORT=free_port(),
            PYTHON=sys.executable,
            OMP_NUM_THREADS='1',
            PYTHONPATH=f'{tmp_path}{os.pathsep}{ROOT}',
        ),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]

    # the ranks trained on different batches, then validated with rank 0's buffers
    saved = torch.load(f'{work}/epoch_1.pth', weights_only=True)['state_dict']
    validated = [
        torch.load(f'{work}/validated_buffers_rank{r}.pt', weights_only=True) for r in (0, 1)
    ]
    student_bn = [k for k in saved if k.startswith('student.') and k.endswith('running_mean')]
    assert student_bn
    for key in saved:
        if key in validated[0]:
            assert torch.equal(validated[0][key], saved[key]), key
            assert torch.equal(validated[1][key], saved[key]), key

    # the score the run logged is the score of the saved checkpoint
    scalars = glob.glob(f'{work}/*/vis_data/scalars.json')[0]
    logged = [json.loads(line) for line in open(scalars)]
    logged_top1 = [r['accuracy/top1'] for r in logged if 'accuracy/top1' in r][-1]
    run_tool(
        [
            sys.executable,
            'tools/test.py',
            CLS_KD,
            f'{work}/epoch_1.pth',
            '--work-dir',
            str(tmp_path / 'test'),
            '--metrics-out',
            str(tmp_path / 'metrics.json'),
            '--cfg-options',
            *options,
        ]
    )
    tested = json.load(open(tmp_path / 'metrics.json'))
    assert tested['accuracy/top1'] == logged_top1
