"""Train a model or a distiller from a config: the OpenMMLab `tools/train.py`, plus mmkd's
CPU multi-process support and clear errors.

    python tools/train.py configs/kd/seg_demo_pspnet-r18d4_to_r18d1_embedded-cityscapes.py
    tools/dist_train.sh configs/sdkd/seg_....py 8
"""
import argparse
import os
import os.path as osp
import sys
import warnings

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout
# mmengine 0.10.7 resolves `mmseg::` config paths through the deprecated pkg_resources
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
import mmkd  # noqa: E402,F401  (registers mmkd, allows safe loading of MMEngine checkpoints)
from mmkd.engine import setup_cpu_distributed  # noqa: E402
from mmkd.models.distillers import NonFiniteLossError  # noqa: E402
from mmkd.utils import ConfigError  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model or distil a student')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from the given checkpoint, or from the latest one in the '
                             'work dir when no path is given')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. train_cfg.max_iters=100')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_cfg(args: argparse.Namespace) -> Config:
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    hooks = cfg.setdefault('custom_hooks', [])
    if not any(str(h.get('type', '')).endswith('ExactResumeHook') for h in hooks):
        hooks.append(dict(type='mmkd.ExactResumeHook'))  # checkpoints resume exactly
    setup_cpu_distributed(cfg, args.launcher)
    return cfg


def main() -> int:
    args = parse_args()
    try:
        cfg = build_cfg(args)
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
        runner.train()
    except (ConfigError, NonFiniteLossError) as err:
        if os.environ.get('MMKD_DEBUG'):
            raise
        print(f'\nmmkd: error: {err}\n(set MMKD_DEBUG=1 for the traceback)', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
