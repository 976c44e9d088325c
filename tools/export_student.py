"""Write the student of a distillation checkpoint as a plain mmseg / mmpretrain checkpoint.

    python tools/export_student.py DISTILL_CONFIG DISTILL_CHECKPOINT OUT.pth [--cfg-options ...]

Writes OUT.pth (student weights only, upstream key names) and OUT_config.py (the student model
with the data and evaluation settings), which the upstream tools load as they are, e.g.
`python mmsegmentation/tools/test.py OUT_config.py OUT.pth`.
"""

import argparse
import os.path as osp
import sys
import warnings

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout
# mmengine 0.10.7 resolves `mmseg::` config paths through the deprecated pkg_resources
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
import mmkd  # noqa: E402,F401
from mmkd.apis import export_student  # noqa: E402
from mmkd.apis.cli import run_cli  # noqa: E402
from mmkd.apis.export import run_config  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Which config is exported: the run's own, i.e. the merged config (with every "
        '--cfg-options of the training run) that tools/train.py keeps in the work dir as '
        'JSON, <checkpoint dir>/<DISTILL_CONFIG name>.json, when it is there and its '
        'student fits the checkpoint; otherwise DISTILL_CONFIG. --cfg-options here '
        "are merged on top of whichever is used. The checkpoint's student must fit that "
        'config exactly (every weight, every shape), or nothing is written.',
    )
    parser.add_argument('config', help='the distillation config the checkpoint was trained with')
    parser.add_argument('checkpoint', help='a distiller checkpoint (e.g. iter_2000.pth)')
    parser.add_argument('out', help='where to write the student checkpoint (.pth)')
    parser.add_argument(
        '--config-out', help='where to write the student config (default: OUT_config.py)'
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, as for tools/train.py (applied on top of '
        "the run's kept config when that is used)",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    cfg, note = run_config(args.config, args.checkpoint, args.cfg_options)
    if note:
        print(f'mmkd: warning: {note}', file=sys.stderr)
    config_out = export_student(cfg, args.checkpoint, args.out, args.config_out)
    print(f'student checkpoint: {args.out}\nstudent config:     {config_out}')
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
