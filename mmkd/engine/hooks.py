"""Hooks for distillation runs, and the checkpoint hook tools/train.py gives every run."""
import os.path as osp
import random
from typing import Any, Callable, Dict, List, Optional

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import IterBasedTrainLoop

from mmkd.engine.fileio import atomic_file
from mmkd.registry import HOOKS


def evaluate_on_val(runner) -> Dict[str, float]:
    """Run the model's ``val_step`` over the validation set and return the metrics, without
    going through ``ValLoop`` (so no ``*_val_*`` hooks run and nothing enters the validation
    history or "best checkpoint" selection). Leaves the model in train mode."""
    loop = runner.val_loop
    runner.model.eval()
    with torch.no_grad():
        for data_batch in loop.dataloader:
            outputs = runner.model.val_step(data_batch)
            loop.evaluator.process(data_samples=outputs, data_batch=data_batch)
        metrics = loop.evaluator.evaluate(len(loop.dataloader.dataset))
    runner.model.train()
    return metrics


@HOOKS.register_module()
class TeacherReferenceHook(Hook):
    """Evaluate the teacher once on the validation set before training, for reference.

    The scores are logged as ``teacher/<metric>`` and kept in the message hub's runtime info
    (``teacher_metrics``); they do not enter the validation history, so "best checkpoint"
    selection still sees the student alone. The result is remembered in the checkpoint, so a
    resumed run does not evaluate again.
    """

    priority = 'LOW'
    distillation_only = True  # dropped from exported student configs

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.metrics: Optional[Dict[str, float]] = None

    def before_train(self, runner) -> None:
        if not self.enabled or self.metrics is not None or runner.val_loop is None:
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        names = list(model.teachers)
        self.metrics = {}
        for name in names:  # one teacher: plain metric names; several: '<teacher>/<metric>'
            with model.predicting_with_teacher(name):
                metrics = evaluate_on_val(runner)
            self.metrics.update(metrics if len(names) == 1 else
                                {f'{name}/{k}': v for k, v in metrics.items()})
        runner.logger.info('Teacher reference: ' + ', '.join(
            f'{k}: {v:.4f}' if isinstance(v, float) else f'{k}: {v}' for k, v in self.metrics.items()))
        runner.message_hub.update_info('teacher_metrics', self.metrics)
        for key, value in self.metrics.items():
            if isinstance(value, (int, float)):
                runner.visualizer.add_scalar(f'teacher/{key}', value, step=0)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.metrics is not None:
            checkpoint.setdefault('meta', {})['teacher_metrics'] = self.metrics

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self.metrics = checkpoint.get('meta', {}).get('teacher_metrics', self.metrics)


def capture_rng_state() -> Dict[str, Any]:
    """Every global random state a training step may draw from: python's ``random``, numpy's
    legacy global generator (what mmcv/mmseg/mmpretrain transforms use) and torch's."""
    state: Dict[str, Any] = {'python': random.getstate(), 'numpy': np.random.get_state(),
                             'torch': torch.get_rng_state()}
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
                'Set train_dataloader.persistent_workers=False for an exact resume.')
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


@HOOKS.register_module()
class CheckpointHook(MMEngineCheckpointHook):
    """MMEngine's checkpoint hook, in the order that never loses work.

    MMEngine deletes the checkpoints beyond ``max_keep_ckpts`` *before* it saves the new one,
    and rewrites ``last_checkpoint`` with a plain ``open``: with ``max_keep_ckpts=1`` a save that
    fails (disk full, a killed job) leaves no checkpoint at all, and a crash while the pointer is
    written leaves it empty, so ``--resume`` would start from scratch. This hook saves first
    (atomically, see :mod:`mmkd.engine.fileio`), then points ``last_checkpoint`` at the new file
    (atomically), and only then deletes the outdated ones. tools/train.py puts it in place of
    MMEngine's; every argument is MMEngine's.
    """

    upstream_type = 'CheckpointHook'  # what an exported config names instead

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        outdated = self._keep_step(runner, step)
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir, filename, self.file_client_args, save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler, meta=meta, by_epoch=self.by_epoch,
            backend_args=self.backend_args, **self.args)
        if not is_main_process():
            return
        with atomic_file(osp.join(runner.work_dir, 'last_checkpoint'), 'w') as f:
            f.write(self.last_ckpt)
        for old in outdated:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # DeepSpeed writes checkpoints as folders
                self.file_backend.rmtree(path)

    def _keep_step(self, runner, step: int) -> List[int]:
        """Record ``step`` among the kept checkpoints (before the save: the checkpoint holds the
        list) and return the steps that fall out of it, to delete once the save succeeded."""
        if self.max_keep_ckpts <= 0 or (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            return []  # unlimited, or the best-checkpoint save of a step already saved
        outdated = [self.keep_ckpt_ids[0]] if len(self.keep_ckpt_ids) == self.max_keep_ckpts else []
        self.keep_ckpt_ids.append(step)  # a deque of maxlen max_keep_ckpts: drops the oldest
        runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        return outdated
