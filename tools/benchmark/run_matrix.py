"""Train a list of configs x seeds, evaluate each run's LAST checkpoint, tabulate mean ± std.

Every run is an ordinary ``tools/train.py`` run (with ``--cfg-options randomness.seed=S``) in
``WORK_ROOT/<config name>/seed_<S>``, followed by ``tools/test.py <config> <last checkpoint>
--metrics-out .../metrics.json``. The last checkpoint is the one MMEngine names in the work
dir's ``last_checkpoint`` file (not the best one: no selection on the validation set). The
result is a markdown table, one row per config, one column per metric, ``mean ± std`` over the
seeds (sample standard deviation, n - 1), printed and written to ``--out``; the per-run metrics
go to ``results.json`` beside it. These tables are what the READMEs' results sections are made
of: paste them, do not retype numbers.

    python tools/benchmark/run_matrix.py configs/kd/seg_kd_demo.py \\
        configs/sfkd/seg_kd-sfkd_demo.py --seeds 0 1 2 --work-root work_dirs/matrix/seg \\
        --metrics mIoU

    # a sweep of one config key: one row per value (e.g. SFKD's K)
    python tools/benchmark/run_matrix.py configs/sfkd/cls_kd-sfkd_demo.py --seeds 0 1 2 \
        --sweep model.losses.kd.teacher_transform.ratio 0.3 0.5 0.7 1.0

    # quick smoke run on other data, few iterations
    python tools/benchmark/run_matrix.py CONFIG --seeds 0 1 --iters 20 \\
        --data-root data/demo/cityscapes

Runs that already have a ``metrics.json`` are reused with ``--skip-done`` (resume a long matrix).
A failed run is reported and left out of its row (the row says how many seeds it holds); the
script then exits with status 1.
"""

import argparse
import glob
import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from prettytable import PrettyTable, TableStyle

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)  # this checkout's mmkd, also when mmkd is not pip-installed

from mmkd.apis.preflight import last_saved_checkpoint  # noqa: E402


@dataclass
class Run:
    config: str
    seed: int
    work_dir: str
    metrics: Dict[str, float] = field(default_factory=dict)
    error: Optional[str] = None
    checkpoint: Optional[str] = None
    variant: str = ''  # 'key=value' of a --sweep, '' otherwise

    @property
    def row(self) -> str:
        return run_name(self.config) + (f' {self.variant}' if self.variant else '')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train configs x seeds, test the last checkpoints, print mean ± std.'
    )
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument(
        '--work-root',
        default='work_dirs/matrix',
        help='runs go to WORK_ROOT/<config name>/seed_<S>',
    )
    parser.add_argument('--data-root', help='data_root of the train/val/test datasets')
    parser.add_argument(
        '--iters',
        type=int,
        help='iteration-based configs: max_iters (validation and checkpoint at the end)',
    )
    parser.add_argument(
        '--epochs',
        type=int,
        help='epoch-based configs: max_epochs (validation and checkpoint at the end)',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='more key=value overrides, given to both train and test',
    )
    parser.add_argument(
        '--metrics', nargs='+', help='metric columns, in this order (default: every numeric metric)'
    )
    parser.add_argument(
        '--digits', type=int, help='decimals in the table (default: 2, or 4 for values below 1)'
    )
    parser.add_argument('--out', help='markdown table file (default: WORK_ROOT/results.md)')
    parser.add_argument(
        '--skip-done', action='store_true', help='reuse runs whose metrics.json exists'
    )
    parser.add_argument('--dry-run', action='store_true', help='print the commands only')
    parser.add_argument(
        '--sweep',
        nargs='+',
        metavar=('KEY', 'VALUE'),
        help='KEY V1 V2 ...: run every config once per value of the config key '
        'KEY (given to train and test); one row per value',
    )
    args = parser.parse_args(argv)
    if args.iters is not None and args.epochs is not None:
        parser.error('give --iters or --epochs, not both')
    if args.sweep is not None and len(args.sweep) < 2:
        parser.error('--sweep needs a key and at least one value')
    return args


def run_name(config: str) -> str:
    return osp.splitext(osp.basename(config))[0]


def overrides(args: argparse.Namespace) -> List[str]:
    """The --cfg-options both train and test get (data root, user options)."""
    options = []
    if args.data_root:
        options += [
            f'{split}_dataloader.dataset.data_root={args.data_root}'
            for split in ('train', 'val', 'test')
        ]
    return options + list(args.cfg_options)


def train_overrides(args: argparse.Namespace, seed: int) -> List[str]:
    options = [f'randomness.seed={seed}']
    if args.iters is not None:
        options += [
            f'train_cfg.max_iters={args.iters}',
            f'train_cfg.val_interval={args.iters}',
            f'default_hooks.checkpoint.interval={args.iters}',
        ]
    if args.epochs is not None:
        options += [
            f'train_cfg.max_epochs={args.epochs}',
            f'train_cfg.val_interval={args.epochs}',
            f'default_hooks.checkpoint.interval={args.epochs}',
        ]
    return options + overrides(args)


def train_command(config: str, work_dir: str, options: List[str]) -> List[str]:
    return [
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'),
        config,
        '--work-dir',
        work_dir,
        '--cfg-options',
        *options,
    ]


def test_command(config: str, checkpoint: str, work_dir: str, options: List[str]) -> List[str]:
    command = [
        sys.executable,
        osp.join(ROOT, 'tools', 'test.py'),
        config,
        checkpoint,
        '--work-dir',
        osp.join(work_dir, 'test'),
        '--metrics-out',
        osp.join(work_dir, 'metrics.json'),
    ]
    return command + (['--cfg-options', *options] if options else [])


def last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint MMEngine saved last (its ``last_checkpoint`` file), else the highest
    ``iter_*.pth`` / ``epoch_*.pth``."""
    last = last_saved_checkpoint(work_dir)
    if last:
        return last
    found = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = re.fullmatch(r'(iter|epoch)_(\d+)\.pth', osp.basename(path))
        if match:
            found.append((int(match[2]), path))
    return max(found)[1] if found else None


def _call(command: List[str], log_file: str) -> Optional[str]:
    """Run a tool with its output in ``log_file``; an error message or None."""
    env = dict(os.environ)
    env['PYTHONPATH'] = ROOT + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
    with open(log_file, 'w') as log:
        proc = subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode == 0:
        return None
    tail = open(log_file).read()[-1500:]
    return f'{osp.basename(command[1])} exited with {proc.returncode} (log: {log_file}):\n{tail}'


def run_one(args: argparse.Namespace, config: str, seed: int, variant: str = '') -> Run:
    work_dir = osp.abspath(osp.join(args.work_root, run_name(config), variant, f'seed_{seed}'))
    run = Run(config, seed, work_dir, variant=variant)
    metrics_file = osp.join(work_dir, 'metrics.json')
    if args.skip_done and osp.isfile(metrics_file):
        run.metrics = json.load(open(metrics_file))
        return run
    extra = [variant] if variant else []
    train_cmd = train_command(config, work_dir, train_overrides(args, seed) + extra)
    if args.dry_run:
        print(' '.join(train_cmd))
        print(
            ' '.join(
                test_command(
                    config,
                    osp.join(work_dir, '<last checkpoint>'),
                    work_dir,
                    overrides(args) + extra,
                )
            )
        )
        return run
    os.makedirs(work_dir, exist_ok=True)
    if osp.isfile(metrics_file):
        os.remove(metrics_file)  # never report a previous run's numbers for this one
    print(f'[run_matrix] train {run.row} seed {seed} -> {work_dir}', flush=True)
    run.error = _call(train_cmd, osp.join(work_dir, 'train_stdout.log'))
    if run.error:
        return run
    run.checkpoint = last_checkpoint(work_dir)
    if run.checkpoint is None:
        run.error = f'training saved no checkpoint in {work_dir}'
        return run
    print(f'[run_matrix] test {run.checkpoint}', flush=True)
    run.error = _call(
        test_command(config, run.checkpoint, work_dir, overrides(args) + extra),
        osp.join(work_dir, 'test_stdout.log'),
    )
    if run.error is None:
        run.metrics = json.load(open(metrics_file))
    return run


def mean_std(values: Sequence[float]) -> Tuple[float, Optional[float]]:
    """Mean and sample standard deviation (n - 1; None for a single value)."""
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else None


def metric_names(runs: Sequence[Run], wanted: Optional[Sequence[str]] = None) -> List[str]:
    if wanted:
        return list(wanted)
    names: List[str] = []
    for run in runs:
        for key, value in run.metrics.items():
            if isinstance(value, (int, float)) and key not in names:
                names.append(key)
    return names


def _fmt(mean: float, std: Optional[float], digits: Optional[int]) -> str:
    """``mean ± std`` with one number of decimals for both (2, or 4 when |mean| < 1)."""
    d = digits if digits is not None else (2 if abs(mean) >= 1 else 4)
    return f'{mean:.{d}f}' + ('' if std is None else f' ± {std:.{d}f}')


def markdown_table(
    runs: Sequence[Run], metrics: Optional[Sequence[str]] = None, digits: Optional[int] = None
) -> str:
    """One row per config (and sweep value), in order of first appearance: ``mean ± std`` over
    its seeds."""
    names = metric_names(runs, metrics)
    configs: List[str] = []
    for run in runs:
        if run.row not in configs:
            configs.append(run.row)
    table = PrettyTable(['config', 'seeds', *names], align='l')
    table.set_style(TableStyle.MARKDOWN)
    for config in configs:
        mine = [r for r in runs if r.row == config]
        ok = [r for r in mine if r.error is None and r.metrics]
        seeds = ','.join(str(r.seed) for r in ok)
        failed = len(mine) - len(ok)
        cells = [config, f'{len(ok)} ({seeds})' + (f', {failed} failed' if failed else '')]
        for name in names:
            values = [
                float(r.metrics[name]) for r in ok if isinstance(r.metrics.get(name), (int, float))
            ]
            if not values:
                cells.append('–')
                continue
            cells.append(_fmt(*mean_std(values), digits))
        table.add_row(cells)
    return table.get_string() + '\n'


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    names = [run_name(c) for c in args.configs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        print(
            f'run_matrix: configs with the same file name {duplicates} would share a work '
            'dir; run them in separate matrices (--work-root).',
            file=sys.stderr,
        )
        return 2
    missing = [c for c in args.configs if not osp.isfile(c)]
    if missing:
        print(f'run_matrix: no such config(s): {missing}', file=sys.stderr)
        return 2
    variants = [f'{args.sweep[0]}={value}' for value in args.sweep[1:]] if args.sweep else ['']
    runs = [
        run_one(args, config, seed, variant)
        for config in args.configs
        for variant in variants
        for seed in args.seeds
    ]
    if args.dry_run:
        return 0
    header = (
        f'Seeds {", ".join(map(str, args.seeds))}; last checkpoint of each run; '
        f'mean ± sample std over the seeds that finished.'
    )
    extra = train_overrides(args, 0)[1:]
    if extra:
        header += f' Overrides: `{" ".join(extra)}`.'
    table = markdown_table(runs, args.metrics, args.digits)
    failures = [r for r in runs if r.error]
    text = header + '\n\n' + table
    print('\n' + text)
    out = args.out or osp.join(args.work_root, 'results.md')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        f.write(text)
    with open(osp.join(osp.dirname(osp.abspath(out)), 'results.json'), 'w') as f:
        json.dump(
            [
                dict(
                    config=r.config,
                    variant=r.variant,
                    seed=r.seed,
                    work_dir=r.work_dir,
                    checkpoint=r.checkpoint,
                    metrics=r.metrics,
                    error=r.error,
                )
                for r in runs
            ],
            f,
            indent=2,
        )
    for run in failures:
        print(
            f'\n[run_matrix] FAILED {run_name(run.config)} seed {run.seed}: {run.error}',
            file=sys.stderr,
        )
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
