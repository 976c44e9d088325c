"""Hooks for distillation runs."""
from typing import Dict, Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

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


@HOOKS.register_module()
class ExactResumeHook(Hook):
    """Make a resumed run draw the same random numbers as an uninterrupted one.

    MMEngine restores weights, optimizer, schedulers and the data order, but not torch's RNG,
    so dropout masks (and any torch-random augmentation in the model) differ after a resume.
    This hook saves torch's CPU/CUDA RNG state with each checkpoint and restores it right before
    the first iteration after resuming: after MMEngine has replayed the data loader up to the
    checkpoint (that replay re-draws numpy's numbers for the data transforms exactly as the
    original run did, which is why numpy's state is left alone).
    """

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._pending: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = {'torch': torch.get_rng_state()}
        if torch.cuda.is_available():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint['mmkd_rng_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = checkpoint.get('mmkd_rng_state')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if self._pending is None:
            return
        torch.set_rng_state(self._pending['torch'])
        if 'cuda' in self._pending and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(self._pending['cuda'])
        self._pending = None
