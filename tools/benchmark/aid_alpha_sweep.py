"""AID's alpha sweep: for each alpha, adapt the teacher (stage 1) and distil a student from the
adapted teacher (stage 2); print one markdown row per alpha: the original and the kept teacher's
metric, where adaptation stopped, and the distilled student's metric (last checkpoint).

    python tools/benchmark/aid_alpha_sweep.py configs/aid/seg_aid-adapt_demo.py \\
        configs/kd/seg_kd_demo.py --alphas 0 0.3 1 3 10 --metric mIoU \\
        --work-root work_dirs/aid_sweep/seg

Each alpha's runs live in ``WORK_ROOT/alpha_<a>/{adapt,distill}``; finished runs are reused
(a resumed sweep redoes nothing). The student's seed is the distillation config's.
"""

import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Optional, Sequence

from prettytable import PrettyTable, TableStyle

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from run_matrix import ROOT, _call, last_checkpoint  # noqa: E402


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='AID alpha sweep (adapt, then distil)')
    parser.add_argument('adapt_config', help='an AID adaptation config (configs/aid/*-adapt*)')
    parser.add_argument(
        'distill_config',
        help='the distillation config that gets the adapted '
        'teacher as model.teacher_ckpt (e.g. configs/kd/seg_kd_demo.py)',
    )
    parser.add_argument('--alphas', nargs='+', type=float, required=True)
    parser.add_argument('--metric', required=True, help="the student's metric column")
    parser.add_argument('--work-root', default='work_dirs/aid_sweep')
    parser.add_argument('--out', help='markdown file (default: WORK_ROOT/alpha_sweep.md)')
    return parser.parse_args(argv)


def tool(name: str, *args: str) -> List[str]:
    return [sys.executable, osp.join(ROOT, 'tools', name), *args]


COLUMNS = ('alpha', 'teacher before', 'kept teacher', 'last teacher validated')


def failed(alpha: float, error: str) -> List[str]:
    """The row of an alpha whose runs failed: the error's first line, no numbers."""
    return [f'{alpha:g}', f'failed: {error.splitlines()[0]}'] + [''] * (len(COLUMNS) - 1)


def sweep_one(args: argparse.Namespace, alpha: float) -> List[str]:
    """The table row of ``alpha`` (one cell per column), running what is not done yet."""
    work = osp.abspath(osp.join(args.work_root, f'alpha_{alpha:g}'))
    adapt, distill = osp.join(work, 'adapt'), osp.join(work, 'distill')
    os.makedirs(work, exist_ok=True)
    summary_file = osp.join(adapt, 'aid_adaptation.json')
    if not (osp.isfile(summary_file) and json.load(open(summary_file)).get('finished')):
        print(f'[aid_alpha_sweep] alpha {alpha:g}: adapting -> {adapt}', flush=True)
        error = _call(
            tool(
                'train.py',
                args.adapt_config,
                '--work-dir',
                adapt,
                '--resume',
                '--cfg-options',
                f'model.alpha={alpha}',
            ),
            osp.join(work, 'adapt_stdout.log'),
        )
        if error:
            return failed(alpha, error)
    summary = json.load(open(summary_file))
    metrics_file = osp.join(distill, 'metrics.json')
    if not osp.isfile(metrics_file):
        print(f'[aid_alpha_sweep] alpha {alpha:g}: distilling -> {distill}', flush=True)
        teacher = f'model.teacher_ckpt={osp.join(adapt, summary["file"])}'
        error = _call(
            tool('train.py', args.distill_config, '--work-dir', distill, '--cfg-options', teacher),
            osp.join(work, 'distill_stdout.log'),
        )
        checkpoint = None if error else last_checkpoint(distill)
        if checkpoint is None:
            return failed(alpha, error or 'no checkpoint')
        error = _call(
            tool(
                'test.py',
                args.distill_config,
                checkpoint,
                '--work-dir',
                osp.join(distill, 'test'),
                '--metrics-out',
                metrics_file,
                '--cfg-options',
                teacher,
            ),
            osp.join(work, 'test_stdout.log'),
        )
        if error:
            return failed(alpha, error)
    student = json.load(open(metrics_file))[args.metric]
    kept, last = summary['kept'], summary['history'][-1]
    how = 'stopped' if summary['stopped'] else 'ran to the end'
    return [
        f'{alpha:g}',
        f'{summary["reference"]:.2f}',
        f'{kept["value"]:.2f} (step {kept["step"]})',
        f'{last["value"]:.2f} (step {last["step"]}, {how})',
        f'{student:.2f}',
    ]


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    rows = [sweep_one(args, alpha) for alpha in args.alphas]
    table = PrettyTable([*COLUMNS, f'distilled student {args.metric}'], align='l')
    table.set_style(TableStyle.MARKDOWN)
    table.add_rows(rows)
    text = (
        f'AID alpha sweep: `{osp.basename(args.adapt_config)}` then '
        f'`{osp.basename(args.distill_config)}` (one seed, last checkpoint).\n\n'
        + table.get_string()
        + '\n'
    )
    print('\n' + text)
    out = args.out or osp.join(args.work_root, 'alpha_sweep.md')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with open(out, 'w') as f:
        f.write(text)
    return 1 if any(row[1].startswith('failed') for row in rows) else 0


if __name__ == '__main__':
    sys.exit(main())
