"""Plot the training curves of one or more runs: every logged term and the validation metrics.

Reads MMEngine's ``vis_data/scalars.json`` (written by the LocalVisBackend every run has) under
each work dir, several runs overlaid, one panel per key, and writes a PNG::

    python tools/analysis/plot_logs.py work_dirs/kd work_dirs/sdkd --out curves.png
    python tools/analysis/plot_logs.py work_dirs/sdkd --keys 'distill.*' 'proxy.*' sdkd.k mIoU

Keys are names or shell-style patterns (``distill.loss_*``); by default every loss term, SDKD's
``sdkd.k`` and every validation metric. The x axis is the training iteration; validation scores of
epoch-based runs are placed at the last iteration of their epoch. A resumed run (several
timestamped log folders) is read as one curve, later records replacing earlier ones.
"""

import argparse
import fnmatch
import glob
import json
import os
import os.path as osp
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmkd.utils import ConfigError  # noqa: E402

# Bookkeeping scalars MMEngine logs with every record: not curves anyone asks for by default.
_BOOKKEEPING = {'step', 'iter', 'epoch', 'time', 'data_time', 'memory', 'lr', 'base_lr'}
Curve = List[Tuple[float, float]]


@dataclass
class RunLog:
    """The scalars of one work dir: training terms by iteration, validation metrics by iteration."""

    name: str
    train: Dict[str, Curve] = field(default_factory=dict)
    val: Dict[str, Curve] = field(default_factory=dict)


def scalar_files(work_dir: str) -> List[str]:
    """The run's scalars.json files, oldest first (MMEngine names log folders by timestamp)."""
    return sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))


def _records(path: str) -> List[dict]:
    records = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:  # a run killed mid-write leaves a partial last line
                print(f'[plot_logs] skipping unreadable line {number} of {path}', file=sys.stderr)
    return records


def read_run(work_dir: str, name: Optional[str] = None) -> RunLog:
    """Every scalar of a run, keyed by name; a resumed run's later records win."""
    files = scalar_files(work_dir)
    if not files:
        raise ConfigError(
            f'no training logs in {work_dir!r}: expected <work_dir>/<timestamp>/vis_data/'
            'scalars.json, which tools/train.py writes (MMEngine LocalVisBackend). Give the '
            'work dir of a run that has trained at least one logging interval.'
        )
    train: Dict[str, Dict[float, float]] = {}
    val: Dict[str, Dict[float, float]] = {}
    epoch_end: Dict[int, int] = {}  # epoch -> its last logged iteration
    val_by_epoch: List[dict] = []
    for path in files:
        for record in _records(path):
            step = record.get('step')
            if step is None:
                continue
            if 'lr' in record or 'base_lr' in record:  # a training record
                if 'epoch' in record:
                    epoch_end[int(record['epoch'])] = max(
                        epoch_end.get(int(record['epoch']), 0), int(step)
                    )
                for key, value in record.items():
                    if key not in _BOOKKEEPING and isinstance(value, (int, float)):
                        train.setdefault(key, {})[float(step)] = float(value)
            else:
                val_by_epoch.append(record)
    by_epoch = bool(epoch_end)
    for record in val_by_epoch:
        step = record['step']
        x = (
            epoch_end.get(int(step), step) if by_epoch else step
        )  # epoch-based: iteration of its end
        for key, value in record.items():
            if key not in _BOOKKEEPING and isinstance(value, (int, float)):
                val.setdefault(key, {})[float(x)] = float(value)

    def curves(table: Dict[str, Dict[float, float]]) -> Dict[str, Curve]:
        return {k: sorted(v.items()) for k, v in table.items()}

    return RunLog(name or osp.basename(osp.normpath(work_dir)), curves(train), curves(val))


def series(table: Dict[str, Curve], key: str) -> Optional[Curve]:
    """A run's curve for ``key``; a plain model's run answers ``student.X`` with its ``X``, so that
    a student trained alone and its distilled twin share the panel of the student's task loss."""
    if key in table:
        return table[key]
    return table.get(key[len('student.') :]) if key.startswith('student.') else None


def default_keys(runs: Sequence[RunLog]) -> List[str]:
    """Every loss term (``loss`` itself first), SDKD's ``sdkd.k``, then the validation metrics."""
    train = {k for r in runs for k in r.train if 'loss' in k or k == 'sdkd.k'}
    train = sorted(
        {k for k in train if f'student.{k}' not in train},  # X drawn in student.X
        key=lambda k: (k != 'loss', k),
    )
    val = sorted({k for r in runs for k in r.val})
    return train + [k for k in val if k not in train]


def select_keys(runs: Sequence[RunLog], patterns: Optional[Sequence[str]]) -> List[str]:
    if not patterns:
        return default_keys(runs)
    available = sorted({k for r in runs for k in (*r.train, *r.val)})
    keys: List[str] = []
    for pattern in patterns:
        matches = fnmatch.filter(available, pattern)
        if not matches:
            from mmkd.utils.errors import did_you_mean

            raise ConfigError(
                f'--keys {pattern!r} matches no logged scalar.'
                f'{did_you_mean(pattern, available)} Logged: {", ".join(available)}.'
            )
        keys += [m for m in matches if m not in keys]
    return keys


def plot(runs: Sequence[RunLog], keys: Sequence[str], out: str, columns: int = 3) -> str:
    """One panel per key, the runs overlaid in the same colours in every panel."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    columns = min(columns, len(keys))
    rows = -(-len(keys) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.4 * rows), squeeze=False)
    colours = plt.rcParams['axes.prop_cycle'].by_key()['color']
    for ax, key in zip(axes.flat, keys):
        for index, run in enumerate(runs):
            colour = colours[index % len(colours)]
            train, val = series(run.train, key), series(run.val, key)
            if train:
                xs, ys = zip(*train)
                ax.plot(xs, ys, color=colour, linewidth=1.2, label=run.name)
            if val:
                xs, ys = zip(*val)
                ax.plot(
                    xs,
                    ys,
                    color=colour,
                    marker='o',
                    markersize=4,
                    linewidth=1.2,
                    label=f'{run.name} (val)' if train else run.name,
                )
        ax.set_title(
            key + ('  (validation)' if all(series(r.train, key) is None for r in runs) else '')
        )
        ax.set_xlabel('iteration')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    for ax in axes.flat[len(keys) :]:
        ax.set_visible(False)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+', help='work dirs of tools/train.py runs')
    parser.add_argument('--keys', nargs='+', help="scalar names or patterns, e.g. 'distill.*' mIoU")
    parser.add_argument(
        '--names', nargs='+', help='legend names of the runs (default: the work dir names)'
    )
    parser.add_argument('--out', default='curves.png', help='the PNG to write')
    parser.add_argument('--columns', type=int, default=3, help='panels per row')
    args = parser.parse_args(argv)
    if args.names and len(args.names) != len(args.work_dirs):
        raise ConfigError(
            f'--names gives {len(args.names)} names for {len(args.work_dirs)} '
            'work dirs: give one name per work dir.'
        )
    names = args.names or [None] * len(args.work_dirs)
    runs = [read_run(w, n) for w, n in zip(args.work_dirs, names)]
    keys = select_keys(runs, args.keys)
    if not keys:
        raise ConfigError('the runs logged no loss term or metric yet; nothing to plot.')
    print(
        f'curves: {plot(runs, keys, args.out, args.columns)} ({len(keys)} panels: '
        f'{", ".join(keys)})'
    )
    return 0


if __name__ == '__main__':
    from mmkd.apis.cli import run_cli

    sys.exit(run_cli(main))
