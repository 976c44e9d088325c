"""The main job, end to end on this machine: `make demo`.

For each task (semantic segmentation on the embedded street scenes in the Cityscapes layout,
then classification of scikit-learn's real handwritten digits in CIFAR's format): trains a
teacher, trains the student alone, distils the student from the teacher with each method,
evaluates every model with `tools/test.py` on the held-out split (last checkpoint, not best),
exports the distilled students as plain upstream checkpoints, and prints one table per task.

Every step is an ordinary command, printed before it runs, so any row can be reproduced by
hand. Finished runs are reused (their last checkpoint exists); `--fresh` retrains everything.
"""
import argparse
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from typing import List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmkd.datasets.embedded import generate_cityscapes, generate_digits_cifar10  # noqa: E402



@dataclass
class Run:
    """One row of a table: a config trained into a work dir."""
    label: str
    config: str
    name: str
    distills: bool = False


@dataclass
class Task:
    """One table: a teacher, the student alone and the distilled students on one dataset."""
    title: str
    dataset: str  # folder under --data
    metric: str  # the metric the table compares
    extra: Optional[str]  # a second metric shown, if any
    runs: List[Run]


def _with_sdkd(runs: List[Run], config: str, name: str) -> List[Run]:
    if osp.exists(osp.join(ROOT, config)):
        runs.append(Run('student + SDKD (proxy teacher + FFB)', config, name, distills=True))
    return runs


TASKS = [
    Task('semantic segmentation on the embedded street scenes (Cityscapes layout)',
         'cityscapes', 'mIoU', 'aAcc', _with_sdkd([
             Run('teacher (PSPNet-R18, 32 base channels)',
                 'configs/models/seg_pspnet-r18w32_demo-600it_embedded-cityscapes.py',
                 'seg_teacher'),
             Run('student alone (PSPNet-R18, 8 base channels)',
                 'configs/models/seg_pspnet-r18w8_demo-600it_embedded-cityscapes.py',
                 'seg_student'),
             Run('student + KD (pixel-wise KL)', 'configs/kd/seg_kd_demo.py', 'seg_kd',
                 distills=True),
         ], 'configs/sdkd/seg_sdkd_demo.py', 'seg_sdkd')),
    Task('classification of the real sklearn digits (CIFAR-10 format, 359 test images)',
         'digits_cifar10', 'accuracy/top1', None, _with_sdkd([
             Run('teacher (CIFAR ResNet-20)',
                 'configs/models/cls_resnet20_demo-15e_embedded-digits.py', 'cls_teacher'),
             Run('student alone (CIFAR ResNet-8)',
                 'configs/models/cls_resnet8_demo-15e_embedded-digits.py', 'cls_student'),
             Run('student + KD (tau 4)', 'configs/kd/cls_kd_demo.py', 'cls_kd', distills=True),
         ], 'configs/sdkd/cls_sdkd_demo.py', 'cls_sdkd')),
]


def run(cmd: List[str]) -> None:
    print('$ ' + ' '.join(shlex.quote(c) for c in cmd), flush=True)
    start = time.time()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=dict(os.environ, PYTHONPATH=ROOT))
    if proc.returncode != 0:
        print(proc.stdout[-6000:])
        raise SystemExit(f'demo step failed (exit {proc.returncode}): {" ".join(cmd)}')
    print(f'  done in {time.time() - start:.0f} s', flush=True)


def last_checkpoint(work_dir: str) -> Optional[str]:
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(marker):
        return None
    path = open(marker).read().strip()
    return path if osp.exists(path) else None


def num_params(config: str, distills: bool) -> float:
    """Student parameters in millions (what is deployed)."""
    warnings.filterwarnings('ignore')  # upstream deprecation chatter while building models
    from mmengine.config import Config
    from mmengine.registry import MODELS, DefaultScope

    import mmkd  # noqa: F401
    from mmkd.models.build import resolve_model_cfg
    cfg = Config.fromfile(osp.join(ROOT, config))
    model_cfg = resolve_model_cfg(cfg.model.student) if distills else cfg.model
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(model_cfg)
    return sum(p.numel() for p in model.parameters()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data', default='data/demo')
    parser.add_argument('--fresh', action='store_true', help='retrain every model')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    os.chdir(ROOT)
    py = sys.executable
    start = time.time()

    print('== data: the embedded street scenes and the sklearn digits', flush=True)
    print(generate_cityscapes(osp.join(args.data, 'cityscapes')), flush=True)
    print(generate_digits_cifar10(osp.join(args.data, 'digits_cifar10')), flush=True)
    tables = [run_task(task, args, py) for task in TASKS]
    print(f'\n== mmkd demo (test split, last checkpoint, seed {args.seed}; '
          f'{time.time() - start:.0f} s in all)')
    for task, rows in zip(TASKS, tables):
        print_table(task, rows)


def run_task(task: Task, args: argparse.Namespace, py: str) -> list:
    """Train (or reuse), evaluate and export every run of one task."""
    data_opts = [f'{s}_dataloader.dataset.data_root={args.data}/{task.dataset}'
                 for s in ('train', 'val', 'test')] + [f'randomness.seed={args.seed}']
    rows = []
    teacher_ckpt = None
    for r in task.runs:
        work_dir = osp.join(args.work_dir, r.name)
        print(f'\n== {task.dataset}: {r.label}', flush=True)
        opts = list(data_opts)
        if r.distills:
            opts.append(f'model.teacher_ckpt={teacher_ckpt}')
        ckpt = None if args.fresh else last_checkpoint(work_dir)
        if ckpt:
            print(f'  reusing {ckpt} (use --fresh to retrain)')
        else:
            run([py, 'tools/train.py', r.config, '--work-dir', work_dir, '--cfg-options', *opts])
            ckpt = last_checkpoint(work_dir)
        metrics_file = osp.join(work_dir, 'metrics_last.json')
        run([py, 'tools/test.py', r.config, ckpt, '--work-dir', osp.join(work_dir, 'test'),
             '--metrics-out', metrics_file, '--cfg-options', *opts])
        metrics = json.load(open(metrics_file))
        exported = ''
        if r.distills:
            exported = osp.join(work_dir, 'student_exported.pth')
            run([py, 'tools/export_student.py', r.config, ckpt, exported])
        else:
            teacher_ckpt = teacher_ckpt or ckpt
        rows.append((r.label, num_params(r.config, r.distills), metrics, ckpt, exported))
    return rows


def print_table(task: Task, rows: list) -> None:
    metric, extra = task.metric, task.extra
    baseline = rows[1][2][metric]
    print(f'\n{task.title}')
    columns = [metric] + ([extra] if extra else [])
    print(f'| {"model":44} | params | ' + ' | '.join(f'{c:>13}' for c in columns) + ' | vs alone |')
    print(f'|{"-" * 46}|--------|' + '|'.join('-' * 15 for _ in columns) + '|----------|')
    for label, params, metrics, _, _ in rows:
        values = ' | '.join(f'{metrics[c]:13.2f}' for c in columns)
        print(f'| {label:44} | {params:5.2f}M | {values} | {metrics[metric] - baseline:+8.2f} |')
    print('checkpoints:')
    for label, _, _, ckpt, exported in rows:
        print(f'  {label}: {ckpt}')
        if exported:
            print(f'    exported student (plain upstream model): {exported} '
                  f'(+ {exported[:-4]}_config.py)')


if __name__ == '__main__':
    main()
