"""Train a model or a distiller from a config: the OpenMMLab `tools/train.py`, plus mmkd's
CPU multi-process support, exact resuming and clear errors.

    python tools/train.py configs/kd/seg_kd_demo.py
    tools/dist_train.sh configs/sdkd/seg_....py 8

A config with ``aid_adaptation = dict(config=...)`` (configs/aid/) runs AID's teacher adaptation
first, in the same processes, unless its adapted teacher file already exists.
"""

import argparse
import glob
import os.path as osp
import re
import sys
import warnings
from typing import List, Mapping, Optional

import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner, find_latest_checkpoint

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout
# mmengine 0.10.7 resolves `mmseg::` config paths through the deprecated pkg_resources
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
import mmkd  # noqa: E402,F401  (registers mmkd, allows safe loading of MMEngine checkpoints)
from mmkd.apis.aid import adaptation_stage  # noqa: E402
from mmkd.apis.checkpoint_fit import check_runner_checkpoint  # noqa: E402
from mmkd.apis.cli import add_runner_args, load_config, run_cli  # noqa: E402
from mmkd.apis.export import write_run_config  # noqa: E402
from mmkd.apis.preflight import add_data_check_hook, custom_hooks, preflight, train_splits  # noqa: E402
from mmkd.engine import setup_cpu_distributed  # noqa: E402
from mmkd.engine.checkpoint import load_checkpoint_file  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model or distil a student')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest one in the '
        'work dir when no path is given',
    )
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--load-partial',
        action='store_true',
        help='load_from: load only the weights that fit and skip the others '
        "(MMEngine's non-strict fine-tuning, e.g. to another class count); "
        'without it a checkpoint that does not fit stops the run',
    )
    add_runner_args(parser)
    return parser.parse_args()


def prepare(cfg: Config, args: argparse.Namespace, resume: Optional[str]) -> Config:
    """Mixed precision, resuming, exact-resume hook, validation of the saved model in
    multi-process runs and the CPU process group."""
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif resume is not None:
        cfg.resume, cfg.load_from = True, resume
    if cfg.get('resume'):
        keep_seed_of_resumed_run(cfg)
    hooks = custom_hooks(cfg)  # (cfg.setdefault('custom_hooks', []) lost the hook)
    if not any(str(h.get('type', '')).endswith('ExactResumeHook') for h in hooks):
        hooks.append(dict(type='mmkd.ExactResumeHook'))  # checkpoints resume exactly
    if args.launcher != 'none' and not any(
        str(h.get('type', '')).endswith('ValidateRankZeroModelHook') for h in hooks
    ):
        hooks.append(dict(type='mmkd.ValidateRankZeroModelHook'))  # validated model == saved
    checkpoint_hook = (cfg.get('default_hooks') or {}).get('checkpoint')
    if checkpoint_hook and checkpoint_hook.get('type') in (
        'CheckpointHook',
        'mmengine.CheckpointHook',
    ):
        checkpoint_hook['type'] = 'mmkd.CheckpointHook'  # deletes old checkpoints after a save
    add_data_check_hook(cfg)  # data faults name their file
    setup_cpu_distributed(cfg, args.launcher)
    return cfg


def keep_seed_of_resumed_run(cfg: Config) -> None:
    """A run without a fixed seed draws one; its resumption must use that same seed. MMEngine
    re-seeds from the checkpoint only after it has built the data sampler and the workers'
    seeding from a new seed, so the data order would change: the seed is set beforehand."""
    if cfg.get('randomness', {}).get('seed') is not None:
        return
    path = cfg.get('load_from') or find_latest_checkpoint(cfg.work_dir)
    if path:
        seed = load_checkpoint_file(path, 'resume').get('meta', {}).get('seed')
        if seed is not None:
            cfg.setdefault('randomness', {})['seed'] = seed


# `_4xb2-80k_` in a config's name: written for 4 GPUs (processes) x 2 images each
NAMED_SCALE = re.compile(r'_(\d+)xb(\d+)[-_]')


def scale_mismatch(
    config: str, world_size: int, batch_size: int, auto_scale_lr: Optional[Mapping] = None
) -> Optional[str]:
    """One line when a run's processes x images per process differ from the ``NxbM`` the
    config's name says it was written for: its lr and schedule assume N x M images a step, and
    nothing else would tell. None when they agree, when the lr is scaled from N x M
    (``auto_scale_lr``), or for names without ``NxbM`` (demos)."""
    match = NAMED_SCALE.search(osp.basename(config))
    if match is None:
        return None
    gpus, per_gpu = int(match.group(1)), int(match.group(2))
    written = gpus * per_gpu
    scaled = dict(auto_scale_lr or {})
    if (world_size, batch_size) == (gpus, per_gpu) or (
        scaled.get('enable') and scaled.get('base_batch_size') == written
    ):
        return None
    other = configs_for_scale(config, world_size, batch_size)
    use_other = f'use {osp.basename(other[0])} or ' if len(other) == 1 else ''
    return (
        f'{osp.basename(config)} is written for {gpus} x {per_gpu} (GPUs x images per GPU, '
        f'batch {written}); this run has {world_size} x {batch_size} (batch '
        f'{world_size * batch_size}) with the lr and schedule of batch {written}: {use_other}'
        f'scale the lr with --cfg-options auto_scale_lr.enable=True '
        f'auto_scale_lr.base_batch_size={written}'
    )


def configs_for_scale(config: str, world_size: int, batch_size: int) -> List[str]:
    """The configs beside ``config`` whose names differ only in ``NxbM`` (and the schedule after
    it), written for ``world_size`` x ``batch_size``: `..._4xb2-80k_x.py` -> `..._8xb2-*_x.py`."""
    folder, name = osp.split(config)
    match = NAMED_SCALE.search(name)
    tail = name[match.end() :]
    scale = f'_{world_size}xb{batch_size}_'
    if match.group(0).endswith('-'):  # a schedule follows, e.g. `-80k_`
        tail, scale = tail.partition('_')[2], f'_{world_size}xb{batch_size}-*_'
    pattern = glob.escape(name[: match.start()]) + scale + glob.escape(tail)
    return sorted(glob.glob(osp.join(glob.escape(folder), pattern)))


def train(cfg: Config, load_partial: bool = False) -> None:
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    mismatch = scale_mismatch(
        cfg.filename or '',
        runner.world_size,
        cfg.train_dataloader.batch_size,
        cfg.get('auto_scale_lr'),
    )
    if mismatch:
        runner.logger.warning(mismatch)
    check_runner_checkpoint(runner, load_partial=load_partial)  # before any step
    if runner.rank == 0:
        write_run_config(cfg, cfg.filename or runner.experiment_name)  # what export reads
    runner.train()


def run_adaptation_stage(cfg: Config, args: argparse.Namespace) -> None:
    """AID stage 1, when the config asks for it and its adapted teacher does not exist yet.
    It resumes from its own latest checkpoint, so an interrupted adaptation is not redone."""
    stage = adaptation_stage(cfg, args.config)
    if stage is None:
        return
    if stage.done():
        print(f'[mmkd] AID: reusing the adapted teacher {stage.adapted_teacher}', flush=True)
        return
    print(f'[mmkd] AID stage 1: adapting the teacher in {stage.cfg.work_dir}', flush=True)
    train(prepare(stage.cfg, args, 'auto'))
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()  # rank 0 wrote the file the other ranks now read
    if not stage.done():
        raise RuntimeError(f'AID stage 1 ended without writing {stage.adapted_teacher}')
    print(f'[mmkd] AID stage 2: distilling with {stage.adapted_teacher}', flush=True)


def main() -> int:
    args = parse_args()
    cfg = load_config(args)
    preflight(cfg, train_splits(cfg))  # work dir writable, datasets present and not empty
    run_adaptation_stage(cfg, args)
    train(prepare(cfg, args, args.resume), args.load_partial)
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
