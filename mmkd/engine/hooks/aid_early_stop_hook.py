"""AID's guard: stop adapting when the teacher's validation metric drops too far; keep the
last good teacher."""

import json
import os.path as osp
from typing import Any, Dict, List, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop

from mmkd.engine.fileio import atomic_file, atomic_torch_save
from mmkd.registry import HOOKS
from mmkd.utils.errors import ConfigError
from mmkd.utils.plain import is_plain

from .teacher_reference_hook import evaluate_on_val


@HOOKS.register_module()
class AIDEarlyStopHook(Hook):
    """Keep the teacher's accuracy during AID: stop when its validation metric has dropped by
    more than ``tolerance`` from the original teacher's, and write the kept teacher.

    Before training, the (unadapted) teacher is evaluated: that is the reference value, and the
    original teacher is written to ``filename`` so that a file always exists. After every
    validation, a teacher within the tolerance replaces it: with ``keep='latest'`` (default) the
    most adapted one, with ``keep='best'`` the one with the best metric. A drop beyond the
    tolerance stops training at once (MMEngine's ``stop_training``); the file keeps the last
    teacher within the tolerance. ``aid_adaptation.json`` beside it records every value and,
    once training has ended, ``finished: true``.

    The file is an ordinary checkpoint of the teacher model (plain keys, plain-Python meta) that
    mmseg's / mmpretrain's own tools and the distillation configs load.

    Args:
        metric: the validation metric to watch (``mIoU``, ``accuracy/top1``, ``rmse``, ...).
        tolerance: the largest allowed drop, in the metric's own units (>= 0).
        rule: ``'greater'`` when higher is better, ``'less'`` for errors such as ``rmse``.
        keep: ``'latest'`` or ``'best'`` (see above).
        filename: the kept teacher, in the work dir.
    """

    priority = 'LOW'

    def __init__(
        self,
        metric: str,
        tolerance: float,
        rule: str = 'greater',
        keep: str = 'latest',
        filename: str = 'adapted_teacher.pth',
    ) -> None:
        if rule not in ('greater', 'less'):
            raise ConfigError(f"AIDEarlyStopHook: rule must be 'greater' or 'less', got {rule!r}")
        if keep not in ('latest', 'best'):
            raise ConfigError(f"AIDEarlyStopHook: keep must be 'latest' or 'best', got {keep!r}")
        if tolerance < 0:
            raise ConfigError(f'AIDEarlyStopHook: tolerance must be >= 0, got {tolerance}')
        self.metric, self.tolerance, self.rule, self.keep = metric, float(tolerance), rule, keep
        self.filename = filename
        self.reference: Optional[float] = None
        self.history: List[Dict[str, float]] = []
        self.kept: Optional[Dict[str, float]] = None
        self.stopped = False
        self.finished = False

    def drop(self, value: float) -> float:
        """How much worse than the original teacher ``value`` is (negative when better)."""
        assert self.reference is not None
        return self.reference - value if self.rule == 'greater' else value - self.reference

    def before_train(self, runner) -> None:
        if self.stopped:  # resumed after an early stop: the kept teacher stays the result
            runner.train_loop.stop_training = True
        elif self.reference is None and runner.val_loop is not None:
            self._record(runner, evaluate_on_val(runner))

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        if metrics:
            self._record(runner, metrics)

    def after_train(self, runner) -> None:
        self.finished = True  # what tools/train.py checks before reusing the adapted teacher
        self._write_summary(runner)

    def _record(self, runner, metrics: Dict[str, float]) -> None:
        if self.metric not in metrics:
            raise ConfigError(
                f'AIDEarlyStopHook: the validation metrics have no {self.metric!r}; '
                f'they are {sorted(metrics)}. Set metric= to one of them.'
            )
        value = float(metrics[self.metric])
        step = runner.epoch if isinstance(runner.train_loop, EpochBasedTrainLoop) else runner.iter
        if self.reference is None:
            self.reference = value
            entry = dict(step=step, value=value, drop=0.0)
            self.history.append(entry)
            runner.logger.info(
                f'AID: original teacher {self.metric} = {value:.4f}; allowed drop {self.tolerance}'
            )
            self._keep(runner, entry)
            return
        entry = dict(step=step, value=value, drop=self.drop(value))
        self.history.append(entry)
        if entry['drop'] > self.tolerance:
            runner.train_loop.stop_training = True
            self.stopped = True
            runner.logger.info(
                f'AID: {self.metric} {value:.4f} is {entry["drop"]:.4f} below the original '
                f'teacher ({self.reference:.4f}), more than the tolerance {self.tolerance}: '
                f'stopping. Kept teacher: step {self.kept["step"]} ({self.kept["value"]:.4f}).'
            )
        elif self.keep == 'latest' or entry['drop'] < self.kept['drop']:
            self._keep(runner, entry)
        self._write_summary(runner)

    def _keep(self, runner, entry: Dict[str, float]) -> None:
        self.kept = entry
        if is_main_process():
            model = runner.model.module if is_model_wrapper(runner.model) else runner.model
            state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
            meta = {'mmkd_aid': dict(metric=self.metric, reference=self.reference, **entry)}
            dataset_meta = getattr(runner.train_dataloader.dataset, 'metainfo', None)
            if is_plain(dataset_meta):
                meta['dataset_meta'] = dataset_meta
            atomic_torch_save(
                {'meta': meta, 'state_dict': state}, osp.join(runner.work_dir, self.filename)
            )
        runner.logger.info(
            f'AID: kept the teacher of step {entry["step"]} '
            f'({self.metric} {entry["value"]:.4f}) in '
            f'{osp.join(runner.work_dir, self.filename)}'
        )
        self._write_summary(runner)

    def _write_summary(self, runner) -> None:
        if is_main_process():
            with atomic_file(osp.join(runner.work_dir, 'aid_adaptation.json'), 'w') as f:
                json.dump(self.state(), f, indent=1)

    def state(self) -> Dict[str, Any]:
        return dict(
            metric=self.metric,
            rule=self.rule,
            tolerance=self.tolerance,
            reference=self.reference,
            history=self.history,
            kept=self.kept,
            stopped=self.stopped,
            finished=self.finished,
            file=self.filename,
        )

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})['mmkd_aid_early_stop'] = self.state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('meta', {}).get('mmkd_aid_early_stop')
        if state:
            self.reference, self.history = state['reference'], list(state['history'])
            self.kept, self.stopped = state['kept'], state['stopped']
            self.finished = state.get('finished', False)
