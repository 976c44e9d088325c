"""Generate mmkd's small demo datasets in the real on-disk formats (no download needed).

    python tools/data/make_demo_data.py --out data/demo [--only seg shapes depth cls] [--force]

Writes, under ``--out``:
  seg   -> cityscapes/        Cityscapes layout (mmseg ``CityscapesDataset``)
  shapes -> shapes/           Cityscapes layout, classes told by shape and context (hard seg demo)
  depth -> nyu/               NYU-Depth-v2 layout (mmseg ``NYUDataset``)
  cls   -> digits_cifar10/    real sklearn digits, CIFAR-10 style .npz (``mmkd.CIFAR10Embedded``)
           digits_cifar10_val/  its training split alone, split again (train / held-out test)
           digits_cifar100/   digits x styles, CIFAR-100 style .npz (``mmkd.CIFAR100Embedded``)
A dataset whose stamp (``.mmkd_demo_data.json``) matches the generator version and parameters is
skipped; ``--force`` regenerates it.
"""
import argparse
import os.path as osp
import sys
import time
from typing import List

# Lets the script run from a checkout in which mmkd is not pip-installed.
sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmkd.demo_data import (DEMO_EXTRA_FRAMES, GenerationReport,  # noqa: E402
                            generate_cityscapes, generate_digits_cifar10, generate_digits_cifar100,
                            generate_nyu, generate_shapes)

KINDS = ('seg', 'shapes', 'depth', 'cls')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/demo', help='parent folder of the dataset roots')
    parser.add_argument('--only', nargs='+', choices=KINDS, default=list(KINDS),
                        help='which datasets to generate (default: all)')
    parser.add_argument('--force', action='store_true', help='regenerate even if up to date')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def generate(out: str, only: List[str], force: bool, seed: int) -> List[GenerationReport]:
    """Run the selected generators with their default sizes."""
    reports = []
    if 'seg' in only:
        reports.append(generate_cityscapes(osp.join(out, 'cityscapes'), seed=seed, force=force,
                                           num_extra=DEMO_EXTRA_FRAMES))
    if 'shapes' in only:
        reports.append(generate_shapes(osp.join(out, 'shapes'), seed=seed, force=force))
    if 'depth' in only:
        reports.append(generate_nyu(osp.join(out, 'nyu'), seed=seed, force=force))
    if 'cls' in only:
        reports.append(
            generate_digits_cifar10(osp.join(out, 'digits_cifar10'), seed=seed, force=force))
        reports.append(  # the training split alone, split again: for choosing settings
            generate_digits_cifar10(osp.join(out, 'digits_cifar10_val'), seed=seed, force=force,
                                    validation=True))
        reports.append(
            generate_digits_cifar100(osp.join(out, 'digits_cifar100'), seed=seed, force=force))
    return reports


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    for report in generate(args.out, args.only, args.force, args.seed):
        print(report, flush=True)
    print(f'done in {time.perf_counter() - start:.1f} s')


if __name__ == '__main__':
    main()
