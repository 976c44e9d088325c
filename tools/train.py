"""Train a model or a distiller from a config: the OpenMMLab `tools/train.py`, plus mmkd's
CPU multi-process support, exact resuming and clear errors.

    python tools/train.py configs/kd/seg_kd_demo.py
    tools/dist_train.sh configs/sdkd/seg_....py 8
"""
import argparse
import os.path as osp
import sys
import warnings

from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout
# mmengine 0.10.7 resolves `mmseg::` config paths through the deprecated pkg_resources
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
import mmkd  # noqa: E402,F401  (registers mmkd, allows safe loading of MMEngine checkpoints)
from mmkd.apis.cli import add_runner_args, load_config, run_cli  # noqa: E402
from mmkd.engine import setup_cpu_distributed  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model or distil a student')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from the given checkpoint, or from the latest one in the '
                             'work dir when no path is given')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    add_runner_args(parser)
    return parser.parse_args()


def build_cfg(args: argparse.Namespace) -> Config:
    cfg = load_config(args)
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
    cfg = build_cfg(parse_args())
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.train()
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
