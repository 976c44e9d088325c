"""The teacher's own validation score, logged once before distillation as the reference."""

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
    resumed run does not evaluate again. Skipped (one log line) when the teacher was released
    (``teacher_cache.release_teacher=True``): it has no weights left to evaluate with.
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
        if getattr(model, 'teachers_released', False):
            runner.logger.info(
                'Teacher reference: skipped (teacher_cache.release_teacher=True freed the '
                "teacher's weights; every teacher output comes from the cache)."
            )
            return
        names = list(model.teachers)
        self.metrics = {}
        for name in names:  # one teacher: plain metric names; several: '<teacher>/<metric>'
            with model.predicting_with_teacher(name):
                metrics = evaluate_on_val(runner)
            self.metrics.update(
                metrics if len(names) == 1 else {f'{name}/{k}': v for k, v in metrics.items()}
            )
        runner.logger.info(
            'Teacher reference: '
            + ', '.join(
                f'{k}: {v:.4f}' if isinstance(v, float) else f'{k}: {v}'
                for k, v in self.metrics.items()
            )
        )
        runner.message_hub.update_info('teacher_metrics', self.metrics)
        for key, value in self.metrics.items():
            if isinstance(value, (int, float)):
                runner.visualizer.add_scalar(f'teacher/{key}', value, step=0)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.metrics is not None:
            checkpoint.setdefault('meta', {})['teacher_metrics'] = self.metrics

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self.metrics = checkpoint.get('meta', {}).get('teacher_metrics', self.metrics)
