"""What tools/train.py and tools/test.py share: runner arguments, config loading, clean errors."""
import argparse
import errno
import os
import os.path as osp
import sys
from typing import Callable

from mmengine.config import Config, DictAction

from mmkd.models.distillers import NonFiniteLossError
from mmkd.utils import ConfigError


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, e.g. train_cfg.max_iters=100')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args: argparse.Namespace) -> Config:
    """The config with --cfg-options merged, the launcher and the work dir set."""
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    name = osp.splitext(osp.basename(args.config))[0]
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join('./work_dirs', name)
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
        if os.environ.get('MMKD_DEBUG') or err.errno not in _DISK_FULL:
            raise
        print(f'\nmmkd: error: {disk_full_message(err)}\n(set MMKD_DEBUG=1 for the traceback)',
              file=sys.stderr)
        return 1
    finally:
        _close_process_group()


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def disk_full_message(err: OSError) -> str:
    """The file a full disk (or an exhausted quota) stopped, the checkpoint to go on from and
    the fix. Checkpoints are written atomically (mmkd.engine.fileio): the one being written
    does not exist, and the last one MMEngine's checkpoint hook recorded beside it is intact."""
    path = err.filename
    record = osp.join(osp.dirname(path), 'last_checkpoint') if path else ''
    last = open(record).read().strip() if record and osp.isfile(record) else ''
    if last and last != path and osp.isfile(last):
        good = (f'The last good checkpoint is {last}: free space, then continue with '
                f'--resume {last}.')
    else:
        good = 'Free space, then run again.'
    return (f'could not write {path or "a file"}: {err.strerror or "no space left on device"} '
            f'(the disk or your quota is full). {good} '
            f'Or use a --work-dir on a file system with room.')


def _close_process_group() -> None:
    """Tear down torch.distributed before the interpreter exits. Left to exit-time destructors,
    gloo's worker threads can be destroyed while still joinable, which aborts the process
    (SIGABRT, 'terminate called without an active exception') after a finished run."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
