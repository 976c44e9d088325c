"""Write the student of a distillation checkpoint as a plain mmseg / mmpretrain checkpoint.

    python tools/export_student.py DISTILL_CONFIG DISTILL_CHECKPOINT OUT.pth

Writes OUT.pth (student weights only, upstream key names) and OUT_config.py (the student model
with the data and evaluation settings), which the upstream tools load as they are, e.g.
`python mmsegmentation/tools/test.py OUT_config.py OUT.pth`.
"""
import argparse
import os.path as osp
import sys
import warnings

from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout
# mmengine 0.10.7 resolves `mmseg::` config paths through the deprecated pkg_resources
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
import mmkd  # noqa: E402,F401
from mmkd.apis import export_student  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the distillation config the checkpoint was trained with')
    parser.add_argument('checkpoint', help='a distiller checkpoint (e.g. iter_2000.pth)')
    parser.add_argument('out', help='where to write the student checkpoint (.pth)')
    parser.add_argument('--config-out', help='where to write the student config '
                                             '(default: OUT_config.py)')
    args = parser.parse_args()
    config_out = export_student(Config.fromfile(args.config), args.checkpoint, args.out,
                                args.config_out)
    print(f'student checkpoint: {args.out}\nstudent config:     {config_out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
