"""Time mmkd's config check (``check_config``: every key against the class that takes it) as a
ratio to loading the same config with ``Config.fromfile``, so the check's cost at start-up is
seen against what every run pays anyway, on any machine.

    python tools/benchmark/bench_config_check.py [CONFIG ...] [--repeat 5]

Both are timed after one untimed call (which imports the upstream registries, as a Runner
would); the median of ``--repeat`` calls is reported. A ``cfg_path`` student or teacher is read
by each check, as the distiller reads it at build time.
"""

import argparse
import statistics
import sys
import time
import warnings
from os import path as osp
from typing import Callable, Optional, Sequence

from prettytable import PrettyTable

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
warnings.filterwarnings('ignore')
from mmengine.config import Config  # noqa: E402

import mmkd  # noqa: E402,F401  (registers mmkd's components)
from mmkd.utils.config_check import check_config  # noqa: E402

DEFAULT_CONFIGS = (
    'configs/models/seg_pspnet-r18w32_demo-600it_embedded-cityscapes.py',
    'configs/kd/seg_kd_demo.py',
    'configs/aid/cls_kd-aid_demo.py',
    'configs/sdkd/seg_sdkd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py',
)


def median_seconds(call: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls after one untimed warm-up call."""
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'configs',
        nargs='*',
        default=list(DEFAULT_CONFIGS),
        help='configs to check (default: a demo teacher, a KD, an AID and a '
        'paper-scale SDKD config)',
    )
    parser.add_argument('--repeat', type=int, default=5, help='timed calls (median reported)')
    args = parser.parse_args(argv)
    table = PrettyTable(['config', 'load (ms)', 'check (ms)', 'check / load'], align='r')
    table.align['config'] = 'l'
    for path in args.configs:
        path = path if osp.isabs(path) or osp.exists(path) else osp.join(ROOT, path)
        load = median_seconds(lambda path=path: Config.fromfile(path), args.repeat)
        cfg = Config.fromfile(path)
        check = median_seconds(lambda cfg=cfg: check_config(cfg), args.repeat)
        table.add_row(
            [
                osp.relpath(path, ROOT),
                f'{load * 1e3:.1f}',
                f'{check * 1e3:.1f}',
                f'{check / load:.2f}',
            ]
        )
    print(table)
    print(f'(median of {args.repeat} after one warm-up call)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
