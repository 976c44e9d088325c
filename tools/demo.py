"""The main job, end to end on this machine: `make demo`.

For each task (by default the shapes scenes: semantic segmentation in the Cityscapes layout
where a narrow student has a capacity gap to its teacher; `--tasks` adds the label-scarce street
scenes and the classification of scikit-learn's real handwritten digits in CIFAR's format):
trains a teacher, trains the student alone, distils the student from the teacher with each
method, evaluates every model with `tools/test.py` on the held-out split (last checkpoint, not
best), exports the distilled students as plain upstream checkpoints, and prints one table per
task. It ends by drawing work_dirs/demo/report/<dataset>/: comparison panels of the last
distilled student against the student alone and the teacher on a few val images, and training
curves.

Every step is an ordinary command, printed before it runs, so any row can be reproduced by
hand. Finished runs are reused (their last checkpoint exists); `--fresh` retrains everything.
"""

import argparse
import json
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

from prettytable import PrettyTable, TableStyle

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
# MMEngine imports setuptools' pkg_resources (deprecated; requirements.txt pins a setuptools
# that still has it) whenever it resolves a `mmseg::` config, which the demo does between steps
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

from mmkd.apis.preflight import last_saved_checkpoint  # noqa: E402
from mmkd.demo_data import (  # noqa: E402
    DEMO_EXTRA_FRAMES,
    generate_cityscapes,
    generate_digits_cifar10,
    generate_shapes,
)


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
    # writes the dataset into the folder it is given and returns a printable report
    generate: Optional[Callable[[str], object]] = None
    # True: the teacher trains alone on every core first, then the student alone and the
    # distilled students side by side; False: teacher and student alone side by side, then the
    # distilled students (the teacher is on the critical path either way)
    teacher_first: bool = False


SEG_SCARCE = 'configs/models/{}_demo-600it_embedded-cityscapes-20labelled.py'
SHAPES = 'configs/models/{}_demo-2400it_embedded-shapes.py'
TASKS: Dict[str, Task] = dict(
    shapes=Task(
        'semantic segmentation on the embedded shapes scenes (Cityscapes layout, classes told '
        'apart by outline and context), 2000 train images, 100 val images',
        'shapes',
        'mIoU',
        'aAcc',
        [
            Run('teacher (PSPNet-R18 w32)', SHAPES.format('seg_pspnet-r18w32'), 'shapes_teacher'),
            Run(
                'student alone (PSPNet-R18 w8)', SHAPES.format('seg_pspnet-r18w8'), 'shapes_student'
            ),
            # one distiller, the one that closes the gap (docs/demo_hard_seg.md: every method, 3
            # seeds); a second one side by side takes make demo over its 20 minutes here
            Run('student + CWD', 'configs/cwd/seg_cwd_demo-shapes.py', 'shapes_cwd', distills=True),
        ],
        generate_shapes,
        teacher_first=True,
    ),
    street=Task(
        'semantic segmentation on the embedded street scenes (Cityscapes layout), 20 annotated '
        f'train frames + {DEMO_EXTRA_FRAMES} unannotated ones, 60 val frames',
        'cityscapes',
        'mIoU',
        'aAcc',
        [
            Run(
                'teacher (PSPNet-R18 w32, 20 annotated)',
                SEG_SCARCE.format('seg_pspnet-r18w32'),
                'seg_teacher',
            ),
            Run(
                'student alone (PSPNet-R18 w8, same 20)',
                SEG_SCARCE.format('seg_pspnet-r18w8'),
                'seg_student',
            ),
            Run(
                'student + KD (same 20 frames)',
                'configs/kd/seg_kd_demo-20labelled.py',
                'seg_kd',
                distills=True,
            ),
            Run(
                f'student + KD (+ {DEMO_EXTRA_FRAMES} unannotated frames)',
                'configs/kd/seg_kd_demo-20labelled-unannotated.py',
                'seg_kd_unannotated',
                distills=True,
            ),
        ],
        lambda root: generate_cityscapes(root, num_extra=DEMO_EXTRA_FRAMES),
    ),
    digits=Task(
        'classification of the real sklearn digits (CIFAR-10 format, 359 test images)',
        'digits_cifar10',
        'accuracy/top1',
        None,
        [
            Run(
                'teacher (CIFAR ResNet-20)',
                'configs/models/cls_resnet20_demo-15e_embedded-digits.py',
                'cls_teacher',
            ),
            Run(
                'student alone (CIFAR ResNet-8)',
                'configs/models/cls_resnet8_demo-15e_embedded-digits.py',
                'cls_student',
            ),
            Run('student + KD (tau 4)', 'configs/kd/cls_kd_demo.py', 'cls_kd', distills=True),
            Run(
                'student + SDKD (proxy teacher + FFB)',
                'configs/sdkd/cls_sdkd_demo.py',
                'cls_sdkd',
                distills=True,
            ),
        ],
        generate_digits_cifar10,
    ),
)
DEFAULT_TASKS = ['shapes']


def run(cmd: List[str]) -> None:
    run_parallel([cmd])


# MMEngine's training log lines: 'Iter(train) [ 50/600] ... eta: 0:01:23 ... loss: 0.54 ...' and
# 'Epoch(train)  [3][10/45] ...'
_ITER = re.compile(r'Iter\(train\)\s*\[\s*(\d+)/(\d+)\]')
_EPOCH = re.compile(r'Epoch\(train\)\s*\[\s*(\d+)\]\[\s*(\d+)/(\d+)\]')
_ETA = re.compile(r'eta: (\S+)')
_LOSS = re.compile(r'\sloss: (\S+)')


@dataclass
class RunProgress:
    """How far one training run is, read from its log lines as they arrive."""

    name: str
    max_epochs: Optional[int] = None  # epoch-based runs: from the config (the log lacks it)
    fraction: float = 0.0
    position: str = 'starting'
    eta: str = ''
    loss: str = ''
    lines: List[str] = field(default_factory=list)

    def update(self, line: str) -> bool:
        """Read one output line; True when it moved the run on."""
        self.lines.append(line)
        found = _ITER.search(line)
        if found:
            done, total = int(found[1]), int(found[2])
            self.fraction, self.position = done / total, f'iter {done}/{total}'
        else:
            found = _EPOCH.search(line)
            if not found:
                return False
            epoch, done, total = int(found[1]), int(found[2]), int(found[3])
            epochs = self.max_epochs or epoch
            self.fraction = ((epoch - 1) * total + done) / (epochs * total)
            self.position = f'epoch {epoch}/{epochs} iter {done}/{total}'
        eta, loss = _ETA.search(line), _LOSS.search(line)
        self.eta, self.loss = (eta[1] if eta else ''), (loss[1] if loss else '')
        return True

    def summary(self) -> str:
        return (
            f'{self.name}: {self.fraction * 100:3.0f} % ({self.position})'
            + (f' eta {self.eta}' if self.eta else '')
            + (f' loss {self.loss}' if self.loss else '')
        )


def _max_epochs(cmd: List[str]) -> Optional[int]:
    """The max_epochs of a tools/train.py command's config (None for iteration-based ones)."""
    if len(cmd) < 3 or not cmd[1].endswith('train.py'):
        return None
    from mmengine.config import Config

    train_cfg = Config.fromfile(osp.join(ROOT, cmd[2])).get('train_cfg') or {}
    return train_cfg.get('max_epochs')


def _show_progress(runs: List[RunProgress], procs: List[subprocess.Popen]) -> None:
    """Until every process ends: one live line per run on a terminal (rich), and in a log (CI,
    a pipe) one printed line per run at each quarter of its training."""
    live = sys.stdout.isatty() and not os.environ.get('CI')
    if live:
        from rich.live import Live
        from rich.table import Table

        def render() -> Table:
            table = Table(show_header=False, box=None)
            for r in runs:
                table.add_row(f'  {r.summary()}')
            return table

        with Live(render(), refresh_per_second=2, transient=True) as display:
            while any(p.poll() is None for p in procs):
                time.sleep(0.5)
                display.update(render())
        return
    printed = [0] * len(runs)  # quarters already reported
    while any(p.poll() is None for p in procs):
        time.sleep(1.0)
        for i, r in enumerate(runs):
            if int(r.fraction * 4) > printed[i]:
                printed[i] = int(r.fraction * 4)
                print(f'  {r.summary()}', flush=True)


def run_parallel(cmds: List[List[str]]) -> None:
    """Run independent steps side by side, one CPU thread each when there are several (the
    demo machine has 2 cores); print each command first, then live progress of the training
    runs, and a step's output only if it fails."""
    threads = str(max(1, (os.cpu_count() or 1) // len(cmds)))
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
    start = time.time()
    procs, runs, readers = [], [], []
    for cmd in cmds:
        print('$ ' + ' '.join(shlex.quote(c) for c in cmd), flush=True)
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        progress = RunProgress(
            osp.basename(cmd[cmd.index('--work-dir') + 1])
            if '--work-dir' in cmd
            else osp.basename(cmd[1]),
            _max_epochs(cmd),
        )
        reader = threading.Thread(
            target=lambda p=proc, r=progress: [r.update(line) for line in p.stdout], daemon=True
        )
        reader.start()
        procs.append(proc)
        runs.append(progress)
        readers.append(reader)
    _show_progress(runs, procs)
    for reader in readers:
        reader.join()
    for cmd, proc, progress in zip(cmds, procs, runs):
        if proc.wait() != 0:
            print(''.join(progress.lines)[-6000:])
            raise SystemExit(f'demo step failed (exit {proc.returncode}): {" ".join(cmd)}')
    print(f'  done in {time.time() - start:.0f} s', flush=True)


def data_root_opts(config: str, root: str) -> List[str]:
    """--cfg-options that point every dataset of ``config`` (ConcatDataset members too) at
    ``root``."""
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(ROOT, config))
    opts = []
    for split in ('train', 'val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        if dataset.type == 'ConcatDataset':
            opts += [
                f'{split}_dataloader.dataset.datasets.{i}.data_root={root}'
                for i in range(len(dataset.datasets))
            ]
        else:
            opts.append(f'{split}_dataloader.dataset.data_root={root}')
    return opts


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
    parser.add_argument(
        '--tasks',
        nargs='+',
        choices=list(TASKS),
        default=DEFAULT_TASKS,
        help=f'the tasks to run, in this order (default: {" ".join(DEFAULT_TASKS)})',
    )
    args = parser.parse_args()
    os.chdir(ROOT)
    py = sys.executable
    start = time.time()
    tasks = [TASKS[name] for name in args.tasks]

    print(f'== data: {", ".join(t.dataset for t in tasks)}', flush=True)
    for task in tasks:
        if task.generate:
            print(task.generate(osp.join(args.data, task.dataset)), flush=True)
    results = [run_task(task, args, py) for task in tasks]
    print('\n== report: comparison panels and training curves', flush=True)
    pictures = [
        p
        for task, (_, finished) in zip(tasks, results)
        for p in write_report(task, finished, args, py)
    ]
    print(
        f'\n== mmkd demo (test split, last checkpoint, seed {args.seed}; '
        f'{time.time() - start:.0f} s in all)'
    )
    for task, (rows, _) in zip(tasks, results):
        print_table(task, rows)
    print(f'\npictures ({osp.join(args.work_dir, "report")}):')
    print('\n'.join(f'  {p}' for p in pictures))


def write_report(task: Task, finished: list, args: argparse.Namespace, py: str) -> List[str]:
    """work_dirs/demo/report/<dataset>/: tools/analysis/compare.py panels of the task's last
    distilled student against the student alone (and the teacher) on a few val images, and
    tools/analysis/plot_logs.py curves of every run of the task."""
    out = osp.join(args.work_dir, 'report', task.dataset)
    alone = next(f for f in finished if not f[0].distills and f is not finished[0])
    distilled = [f for f in finished if f[0].distills][-1]
    (run_cfg, _, ckpt, opts), (alone_run, _, alone_ckpt, _) = distilled, alone
    run(
        [
            py,
            'tools/analysis/compare.py',
            run_cfg.config,
            ckpt,
            '--student-alone',
            alone_run.config,
            alone_ckpt,
            '--images',
            '3',
            '--out',
            out,
            '--cfg-options',
            *opts,
        ]
    )
    curves = osp.join(out, 'curves.png')
    run(
        [
            py,
            'tools/analysis/plot_logs.py',
            *[f[1] for f in finished],
            '--names',
            *[f[0].name for f in finished],
            '--out',
            curves,
        ]
    )
    return sorted(osp.join(out, n) for n in os.listdir(out) if n.endswith('.png'))


def training_stages(task: Task) -> List[List[Run]]:
    """The runs of a task in the order they train: each stage's runs side by side (one CPU
    thread each when there are several), a stage after the one before. The distilled runs need
    the teacher's checkpoint; a slow teacher (``teacher_first``) trains alone on every core."""
    teacher, others = task.runs[0], task.runs[1:]
    if task.teacher_first:
        return [[teacher], others]
    return [[teacher] + [r for r in others if not r.distills], [r for r in others if r.distills]]


def run_task(task: Task, args: argparse.Namespace, py: str) -> tuple:
    """Train (or reuse), evaluate and export every run of one task, in :func:`training_stages`.
    Returns the table rows and, per run, (run, work dir, checkpoint, its --cfg-options)."""
    work_dirs = {r.name: osp.join(args.work_dir, r.name) for r in task.runs}
    opts = {
        r.name: data_root_opts(r.config, f'{args.data}/{task.dataset}')
        + [f'randomness.seed={args.seed}']
        for r in task.runs
    }
    checkpoints = {}
    teacher = task.runs[0]
    for stage in training_stages(task):
        todo = []
        for r in stage:
            if r.distills:
                opts[r.name].append(f'model.teacher_ckpt={checkpoints[teacher.name]}')
            print(f'\n== {task.dataset}: {r.label}', flush=True)
            checkpoints[r.name] = None if args.fresh else last_saved_checkpoint(work_dirs[r.name])
            if checkpoints[r.name]:
                print(f'  reusing {checkpoints[r.name]} (use --fresh to retrain)')
            else:
                todo.append(r)
        if todo:
            run_parallel(
                [
                    [
                        py,
                        'tools/train.py',
                        r.config,
                        '--work-dir',
                        work_dirs[r.name],
                        '--cfg-options',
                        *opts[r.name],
                    ]
                    for r in todo
                ]
            )
            for r in todo:
                checkpoints[r.name] = last_saved_checkpoint(work_dirs[r.name])
    rows = []
    for r in task.runs:
        work_dir, ckpt = work_dirs[r.name], checkpoints[r.name]
        metrics_file = osp.join(work_dir, 'metrics_last.json')
        run(
            [
                py,
                'tools/test.py',
                r.config,
                ckpt,
                '--work-dir',
                osp.join(work_dir, 'test'),
                '--metrics-out',
                metrics_file,
                '--cfg-options',
                *opts[r.name],
            ]
        )
        metrics = json.load(open(metrics_file))
        exported = ''
        if r.distills:
            exported = osp.join(work_dir, 'student_exported.pth')
            run([py, 'tools/export_student.py', r.config, ckpt, exported])
        rows.append((r.label, num_params(r.config, r.distills), metrics, ckpt, exported))
    return rows, [(r, work_dirs[r.name], checkpoints[r.name], opts[r.name]) for r in task.runs]


def print_table(task: Task, rows: list) -> None:
    metric, extra = task.metric, task.extra
    baseline = rows[1][2][metric]
    print(f'\n{task.title}')
    columns = [metric] + ([extra] if extra else [])
    table = PrettyTable(['model', 'params', *columns, 'vs alone'], align='r')
    table.align['model'] = 'l'
    table.set_style(TableStyle.MARKDOWN)
    for label, params, metrics, _, _ in rows:
        table.add_row(
            [
                label,
                f'{params:.2f}M',
                *(f'{metrics[c]:.2f}' for c in columns),
                f'{metrics[metric] - baseline:+.2f}',
            ]
        )
    print(table)
    print('checkpoints:')
    for label, _, _, ckpt, exported in rows:
        print(f'  {label}: {ckpt}')
        if exported:
            print(
                f'    exported student (plain upstream model): {exported} '
                f'(+ {exported[:-4]}_config.py)'
            )


if __name__ == '__main__':
    main()
