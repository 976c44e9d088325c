"""The command-line tools, run as users run them: train, resume, test, export, dist_train."""

import glob
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Tuple

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

from tests.test_tools.conftest import CFG, ROOT, free_port

SEG_TEACHER = f'{CFG}/models/seg_pspnet-r18w32_demo-600it_embedded-cityscapes.py'
SEG_KD = f'{CFG}/kd/seg_kd_demo.py'
DEPTH_TEACHER = f'{CFG}/models/depth_psp-r18w32_demo-600it_embedded-nyu.py'
DEPTH_KD = f'{CFG}/kd/depth_kd_demo.py'
CLS_TEACHER = f'{CFG}/models/cls_resnet20_demo-15e_embedded-digits.py'
CLS_KD = f'{CFG}/kd/cls_kd_demo.py'


def data_options(root: str, name: str) -> List[str]:
    return [
        f'{split}_dataloader.dataset.data_root={osp.join(root, name)}'
        for split in ('train', 'val', 'test')
    ]


def iter_options(iters: int, batch: int = 2, ckpt_interval: int = 0) -> List[str]:
    return [
        f'train_cfg.max_iters={iters}',
        f'train_cfg.val_interval={iters}',
        f'default_hooks.checkpoint.interval={ckpt_interval or iters}',
        'default_hooks.logger.interval=1',
        f'train_dataloader.batch_size={batch}',
        f'val_dataloader.batch_size={batch}',
        f'test_dataloader.batch_size={batch}',
    ]


def run_tool(args: List[str], expect_ok: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if expect_ok and proc.returncode != 0:
        raise AssertionError(
            f'{" ".join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}'
        )
    return proc


def train(config: str, work_dir: str, options: List[str], *extra: str, **kw):
    return run_tool(
        [
            sys.executable,
            'tools/train.py',
            config,
            '--work-dir',
            work_dir,
            *extra,
            '--cfg-options',
            *options,
        ],
        **kw,
    )


# tools/train.py's own main(), once per run, in one Python process
_TRAIN_MANY = """
import sys
sys.path.insert(0, 'tools')
import train
from mmkd.apis.cli import run_cli
for argv in RUNS:
    sys.argv = ['tools/train.py', *argv]
    code = run_cli(train.main)
    if code:
        sys.exit('tools/train.py ' + ' '.join(argv) + f' exited with {code}')
"""


def train_many(runs: List[Tuple[str, str, List[str]]]) -> subprocess.CompletedProcess:
    """``tools/train.py CONFIG --work-dir DIR --cfg-options ...`` for each ``(config, work_dir,
    options)``, one after another in ONE Python process: the imports are most of the CPU time
    of a few-iteration run, and the wiring tests of many configs pay them once."""
    # the upstream runtimes name their visualizer 'visualizer', and MMEngine hands a later run
    # the instance of that name, with the first run's log dir: one name per run
    argvs = [
        [config, '--work-dir', work, '--cfg-options', *opts, f'visualizer.name=run_{i}']
        for i, (config, work, opts) in enumerate(runs)
    ]
    return run_tool([sys.executable, '-c', f'RUNS = {argvs!r}\n' + _TRAIN_MANY])


def logged_losses(work_dir: str) -> Dict[int, Dict[str, float]]:
    """Per-iteration training scalars from MMEngine's json log."""
    out: Dict[int, Dict[str, float]] = {}
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')):
        for line in open(path):
            record = json.loads(line)
            if 'loss' in record:
                out[record['step']] = {k: v for k, v in record.items() if 'loss' in k}
    return out


# seg_kd_run (conftest.py): a 2-iteration teacher and a 4-iteration distillation with a
# checkpoint at iteration 2, shared with the other tools tests: read it, write elsewhere.


def test_seg_teacher_then_distillation(seg_kd_run):
    losses = logged_losses(f'{seg_kd_run["work"]}/kd')
    assert sorted(losses) == [1, 2, 3, 4]
    assert {'student.decode.loss_ce', 'distill.loss_kd'} <= set(losses[1])
    checkpoint = torch.load(f'{seg_kd_run["work"]}/kd/iter_4.pth', weights_only=True)
    assert not any(k.startswith('teacher.') for k in checkpoint['state_dict'])


def test_resume_continues_exactly(seg_kd_run, tmp_path):
    """Resuming at iteration 2 logs the same losses for 3 and 4 as the uninterrupted run."""
    work = seg_kd_run['work']
    train(
        SEG_KD,
        f'{tmp_path}/kd_resumed',
        seg_kd_run['kd_options'],
        '--resume',
        f'{work}/kd/iter_2.pth',
    )
    full, resumed = logged_losses(f'{work}/kd'), logged_losses(f'{tmp_path}/kd_resumed')
    assert sorted(resumed) == [3, 4]
    for step in (3, 4):
        assert resumed[step] == pytest.approx(full[step], rel=1e-6, abs=1e-7)


def test_export_loads_into_the_plain_upstream_model(seg_kd_run, tmp_path):
    work = seg_kd_run['work']
    out = f'{tmp_path}/export/student.pth'
    run_tool([sys.executable, 'tools/export_student.py', SEG_KD, f'{work}/kd/iter_4.pth', out])
    exported = torch.load(out, weights_only=True)  # torch's safe default, no mmkd types needed
    assert not any(k.startswith(('student.', 'teacher.')) for k in exported['state_dict'])

    student_cfg = Config.fromfile(out.replace('.pth', '_config.py'))
    kd_cfg = Config.fromfile(SEG_KD)
    kd_cfg.model.teacher_ckpt = seg_kd_run['teacher_ckpt']
    with DefaultScope.overwrite_default_scope('mmseg'):
        plain = MODELS.build(student_cfg.model)
        distiller = MODELS.build(kd_cfg.model)
    assert type(plain).__name__ == 'EncoderDecoder'
    plain.load_state_dict(exported['state_dict'], strict=True)
    distiller.load_state_dict(torch.load(f'{work}/kd/iter_4.pth', weights_only=True)['state_dict'])
    plain.eval()
    distiller.eval()
    inputs = torch.randn(2, 3, 64, 128)
    with torch.no_grad():
        assert torch.equal(plain(inputs, mode='tensor'), distiller(inputs, mode='tensor'))


def test_test_tool_scores_student_and_teacher(seg_kd_run, data_root, tmp_path):
    work, out = seg_kd_run['work'], str(tmp_path)
    options = data_options(data_root, 'cityscapes') + [
        f'model.teacher_ckpt={seg_kd_run["teacher_ckpt"]}',
        'test_dataloader.batch_size=2',
    ]
    run_tool(
        [
            sys.executable,
            'tools/test.py',
            SEG_KD,
            f'{work}/kd/iter_4.pth',
            '--work-dir',
            f'{out}/test',
            '--metrics-out',
            f'{out}/student.json',
            '--cfg-options',
            *options,
        ]
    )
    run_tool(
        [
            sys.executable,
            'tools/test.py',
            SEG_KD,
            '--teacher',
            '--work-dir',
            f'{out}/test_teacher',
            '--metrics-out',
            f'{out}/teacher.json',
            '--cfg-options',
            *options,
        ]
    )
    student, teacher = (json.load(open(f'{out}/{n}.json')) for n in ('student', 'teacher'))
    assert 0 <= student['mIoU'] <= 100 and 0 <= teacher['mIoU'] <= 100


def test_depth_teacher_then_distillation(data_root, tmp_path):
    options = data_options(data_root, 'nyu')
    train(DEPTH_TEACHER, f'{tmp_path}/teacher', options + iter_options(2))
    train(
        DEPTH_KD,
        f'{tmp_path}/kd',
        options + iter_options(2) + [f'model.teacher_ckpt={tmp_path}/teacher/iter_2.pth'],
    )
    losses = logged_losses(f'{tmp_path}/kd')
    assert {'student.decode.loss_depth', 'distill.loss_depth'} <= set(losses[2]) or any(
        k.startswith('distill.loss_depth') for k in losses[2]
    )


def test_cls_teacher_then_distillation(data_root, tmp_path):
    options = data_options(data_root, 'digits_cifar10') + [
        'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1',
        'train_dataloader.dataset.indices=16',
        'val_dataloader.dataset.indices=16',
        'train_dataloader.batch_size=8',
        'default_hooks.logger.interval=1',
    ]
    train(CLS_TEACHER, f'{tmp_path}/teacher', options)
    train(
        CLS_KD, f'{tmp_path}/kd', options + [f'model.teacher_ckpt={tmp_path}/teacher/epoch_1.pth']
    )
    losses = logged_losses(f'{tmp_path}/kd')
    assert all('distill.loss_kd' in v for v in losses.values()) and len(losses) == 2


def test_dist_train_two_processes_on_cpu(seg_kd_run, data_root, tmp_path):
    options = (
        data_options(data_root, 'cityscapes')
        + iter_options(2)
        + [f'model.teacher_ckpt={seg_kd_run["teacher_ckpt"]}']
    )
    env_port = free_port()
    proc = subprocess.run(
        [
            'bash',
            'tools/dist_train.sh',
            SEG_KD,
            '2',
            '--work-dir',
            f'{tmp_path}/dist',
            '--cfg-options',
            *options,
        ],
        cwd=ROOT,
        env=dict(os.environ, PORT=env_port, PYTHON=sys.executable, OMP_NUM_THREADS='1'),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    log = open(glob.glob(f'{tmp_path}/dist/*/*.log')[0]).read()
    assert 'world_size: 2' in log or 'Distributed launcher: pytorch' in log
    assert osp.exists(f'{tmp_path}/dist/iter_2.pth')


@pytest.mark.parametrize(
    'case, option, message',
    [
        (
            'missing teacher',
            'model.teacher_ckpt=/nonexistent/teacher.pth',
            'teacher checkpoint not found',
        ),
        (
            'misspelt tap',
            'model.taps.logits=decode_head.conv_sge',
            "Did you mean: 'decode_head.conv_seg'",
        ),
        ('unknown key', 'model.tmperature=2', "unknown key(s) ['tmperature']"),
    ],
)
def test_bad_input_ends_with_one_clear_message(case, option, message, data_root, tmp_path):
    proc = train(
        SEG_KD,
        f'{tmp_path}/bad',
        data_options(data_root, 'cityscapes') + iter_options(1) + [option],
        expect_ok=False,
    )
    assert proc.returncode == 1
    assert message in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_non_finite_loss_names_iteration_term_and_last_checkpoint(seg_kd_run, tmp_path):
    work = seg_kd_run['work']
    proc = train(
        SEG_KD,
        f'{tmp_path}/nan',
        seg_kd_run['kd_options'] + ['model.losses.kd.loss_weight=nan'],
        '--resume',
        f'{work}/kd/iter_2.pth',
        expect_ok=False,
    )
    assert proc.returncode == 1
    assert 'non-finite loss at iteration 3: distill.loss_kd=nan' in proc.stderr
    assert 'iter_2.pth' in proc.stderr and 'Traceback' not in proc.stderr
