"""Exact --resume: the random streams continue where the interrupted run left them."""

import random
from typing import Any, Callable, Dict, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop

from mmkd.registry import HOOKS


def capture_rng_state() -> Dict[str, Any]:
    """Every global random state a training step may draw from: python's ``random``, numpy's
    legacy global generator (what mmcv/mmseg/mmpretrain transforms use) and torch's."""
    state: Dict[str, Any] = {
        'python': random.getstate(),
        'numpy': np.random.get_state(),
        'torch': torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Dict[str, Any]) -> None:
    """Set the states captured by :func:`capture_rng_state` (older checkpoints: torch's only)."""
    if 'python' in state:
        random.setstate(state['python'])
    if 'numpy' in state:
        np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _RestoreAfterReplay:
    """Stands in for an ``IterBasedTrainLoop``'s data iterator while MMEngine replays the
    batches a resumed run has already trained on: right before the first new batch is fetched,
    it restores the random states and hands the loop its own iterator back."""

    def __init__(self, loop, replayed: int, restore: Callable[[], None]) -> None:
        self.loop, self.inner = loop, loop.dataloader_iterator
        self.left, self.restore = replayed, restore

    def __iter__(self) -> '_RestoreAfterReplay':
        return self

    def __next__(self):
        if self.left > 0:  # a replayed batch
            self.left -= 1
        else:
            self.restore()
            self.loop.dataloader_iterator = self.inner
        return next(self.inner)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


@HOOKS.register_module()
class ExactResumeHook(Hook):
    """Make a resumed run draw the same random numbers as an uninterrupted one.

    MMEngine restores weights, optimizer, schedulers and the data order, but no random state:
    dropout masks, torch-random augmentation and, in epoch-based loops, every numpy-random data
    transform (RandomCrop, RandomFlip, ...) would draw differently after a resume. This hook
    saves python's, numpy's and torch's (CPU and CUDA) global random states with each checkpoint
    and, when a run resumes from it (not when ``load_from`` only initialises weights), restores
    them right before the resumed run fetches its first batch:

    - epoch-based loops: at the start of the first resumed epoch, before its data loader
      iterator is created (MMEngine does not replay earlier epochs);
    - ``IterBasedTrainLoop``: after MMEngine has replayed the data loader up to the checkpoint
      (the replay re-creates the sampler position and the workers' states), before the next
      batch is fetched.

    Validation (``ValLoop``) is made neutral: the states are put back after it, so the
    uninterrupted run continues from the states the checkpoint written before validation
    holds, and the validation schedule does not change training.

    Data loader workers (``num_workers > 0``) are seeded by MMEngine's ``worker_init_fn`` from
    the run's seed each time they start, so non-persistent workers, which restart every epoch,
    repeat exactly after a resume. Persistent workers of an epoch-based loop keep their random
    state in their own processes across epochs, which no checkpoint holds: such a run resumes
    with a warning that its augmentations will differ (set ``persistent_workers=False`` for
    exact resuming).
    """

    # first in every stage: the states are captured before other hooks start validating, and
    # restored before any other hook of the resumed epoch draws from them
    priority = 'VERY_HIGH'
    keep_in_export = False  # run machinery of tools/train.py, not part of a model's config

    def __init__(self) -> None:
        self._pending: Optional[Dict[str, Any]] = None
        self._pending_iter: Optional[int] = None
        self._before_val: Optional[Dict[str, Any]] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # a checkpoint written during validation (best checkpoint) holds the states training
        # continues with, those from before validation
        checkpoint['mmkd_rng_state'] = self._before_val or capture_rng_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = checkpoint.get('mmkd_rng_state')
        self._pending_iter = checkpoint.get('meta', {}).get('iter')

    def before_train_epoch(self, runner) -> None:
        if self._pending is not None and runner.iter != self._pending_iter:
            self._pending = None  # load_from: weights only, the run follows its own seed
        if self._pending is None:
            return
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop):
            loop.dataloader_iterator = _RestoreAfterReplay(loop, loop.iter, self._restore_pending)
            return
        loader = loop.dataloader
        if loader.num_workers > 0 and loader.persistent_workers:
            runner.logger.warning(
                'Resuming with persistent data loader workers: their random state is not in the '
                'checkpoint, so random data transforms will differ from the uninterrupted run. '
                'Set train_dataloader.persistent_workers=False for an exact resume.'
            )
        self._restore_pending()

    def _restore_pending(self) -> None:
        restore_rng_state(self._pending)
        self._pending = None

    def before_val(self, runner) -> None:
        self._before_val = capture_rng_state()

    def after_val(self, runner) -> None:
        if self._before_val is not None:
            restore_rng_state(self._before_val)
            self._before_val = None
