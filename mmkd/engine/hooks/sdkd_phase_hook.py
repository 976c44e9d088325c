"""SDKD's phase switch: k (the weight of the proxy terms in the student's loss) after a set
point."""

from typing import Any, Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import Tensor, nn

from mmkd.registry import HOOKS
from mmkd.utils.errors import ConfigError


@HOOKS.register_module()
class SDKDPhaseHook(Hook):
    """Switches SDKD's k (the weight of the proxy terms in the student's loss) to ``k`` once
    ``begin_iter`` iterations (or ``begin_epoch`` epochs) are done, and logs it.

    Before that point k keeps the model's value (``SDKD(k=0.0)``). k is a model buffer: it is
    saved in checkpoints and restored by ``--resume``, and the hook re-checks the condition every
    iteration/epoch, so a resumed run continues in the right phase.
    """

    distillation_only = True  # dropped from exported student configs

    priority = 'NORMAL'

    def __init__(
        self, begin_iter: Optional[int] = None, begin_epoch: Optional[int] = None, k: float = 1.0
    ) -> None:
        if (begin_iter is None) == (begin_epoch is None):
            raise ConfigError(
                'SDKDPhaseHook: give exactly one of begin_iter and begin_epoch, '
                f'got begin_iter={begin_iter}, begin_epoch={begin_epoch}.'
            )
        self.begin_iter, self.begin_epoch, self.k = begin_iter, begin_epoch, float(k)

    @staticmethod
    def _model(runner) -> nn.Module:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if not isinstance(getattr(model, 'k', None), Tensor):
            raise ConfigError(f'SDKDPhaseHook needs an mmkd.SDKD model, got {type(model).__name__}')
        return model

    def before_train(self, runner) -> None:
        runner.logger.info(
            f'SDKD: k = {float(self._model(runner).k):g} at iteration '
            f'{runner.iter}; k -> {self.k:g} after '
            + (
                f'{self.begin_iter} iterations'
                if self.begin_iter is not None
                else f'{self.begin_epoch} epochs'
            )
        )

    def before_train_epoch(self, runner) -> None:
        if self.begin_epoch is not None and runner.epoch >= self.begin_epoch:
            self._switch(runner)

    def before_train_iter(self, runner, batch_idx: int, data_batch: Any = None) -> None:
        if self.begin_iter is not None and runner.iter >= self.begin_iter:
            self._switch(runner)

    def _switch(self, runner) -> None:
        model = self._model(runner)
        old = float(model.k)
        if old != self.k:
            model.k.fill_(self.k)
            runner.logger.info(
                f'SDKD: phase 2 from iteration {runner.iter + 1} (epoch '
                f'{runner.epoch + 1}): k {old:g} -> {self.k:g}, the student now '
                'also learns from the proxy teacher.'
            )
