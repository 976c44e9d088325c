"""What every distillation loss shares: its ``loss_weight``, under the name OpenMMLab uses."""

import logging
from typing import ClassVar, Optional, Set

import torch.nn as nn
from mmengine.logging import print_log

from mmkd.utils.errors import ConfigError


class DistillLoss(nn.Module):
    """A distillation loss, ``loss(student, teacher) -> loss_weight * <its own value>``.

    ``loss_weight`` is the name mmseg's and mmpretrain's losses give the factor, so a loss
    config reads the same in both. Subclasses take their own arguments and hand the rest up
    (``super().__init__(**kwargs)``); the config checks follow that to these two.

    Args:
        loss_weight: multiplier of the returned loss. Default 1.0.
        weight: the old name of ``loss_weight``; still accepted, with one deprecation line per
            loss class. Giving both is an error.
    """

    #: loss classes that have already logged the ``weight=`` deprecation (once each)
    _warned_about_weight: ClassVar[Set[type]] = set()

    def __init__(self, loss_weight: Optional[float] = None, weight: Optional[float] = None) -> None:
        super().__init__()
        name = type(self).__name__
        if weight is not None:
            if loss_weight is not None:
                raise ConfigError(
                    f'{name}: got both loss_weight={loss_weight} and weight='
                    f'{weight}; weight is the old name of loss_weight, keep only '
                    'loss_weight=.'
                )
            if type(self) not in self._warned_about_weight:
                self._warned_about_weight.add(type(self))
                print_log(
                    f'{name}: weight= is deprecated, use loss_weight= (same meaning).',
                    logger='current',
                    level=logging.WARNING,
                )
            loss_weight = weight
        self.loss_weight = float(1.0 if loss_weight is None else loss_weight)

    @property
    def weight(self) -> float:
        """Read-only old name of ``loss_weight``, kept while ``weight=`` is accepted."""
        return self.loss_weight
