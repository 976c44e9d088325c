"""What tools/train.py and tools/test.py share: runner arguments, config loading, clean errors."""

import argparse
import os
import os.path as osp
import sys
from typing import Callable

from mmengine.config import Config, DictAction

from mmkd.apis.preflight import disk_full_message, read_config
from mmkd.models.distillers import NonFiniteLossError
from mmkd.utils import ConfigError
from mmkd.utils.config_check import check_config, check_option_keys


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_cfg.max_iters=100',
    )
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher',
    )
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """The config with --cfg-options merged, the launcher and the work dir set."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = read_config(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        check_option_keys(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    name = osp.splitext(osp.basename(args.config))[0]
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join('./work_dirs', name)
    check_config(cfg)
    return cfg


def run_cli(main: Callable[[], int]) -> int:
    """Run a tool; mmkd's own errors end with their message, not a traceback."""
    try:
        return main()
    except (ConfigError, NonFiniteLossError) as err:
        if os.environ.get('MMKD_DEBUG'):
            raise
        print(f'\nmmkd: error: {err}\n(set MMKD_DEBUG=1 for the traceback)', file=sys.stderr)
        return 1
    except OSError as err:
        return _report_disk_full(err)
    finally:
        _close_process_group()


def _report_disk_full(err: OSError) -> int:
    """A full disk (while writing logs, the dumped config ...) ends in one line; any other
    OSError is re-raised."""
    message = disk_full_message(err)
    if message is None or os.environ.get('MMKD_DEBUG'):
        raise err
    print(f'\nmmkd: error: {message}\n(set MMKD_DEBUG=1 for the traceback)', file=sys.stderr)
    return 1


def _close_process_group() -> None:
    """Tear down torch.distributed before the interpreter exits. Left to exit-time destructors,
    gloo's worker threads can be destroyed while still joinable, which aborts the process
    (SIGABRT, 'terminate called without an active exception') after a finished run."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
