"""Speed switches for the frozen teacher's forward: ``teacher_speed=dict(inference_mode=False,
channels_last=False, autocast=None)`` on any distiller.

* ``inference_mode``: the teacher runs under ``torch.inference_mode`` instead of ``no_grad``
  (no version counters or view tracking). Inference tensors cannot enter autograd, and every
  distillation term computes with its target next to a tensor that needs a gradient, so the
  recorded teacher outputs are cloned (outside inference mode) into ordinary tensors.
* ``channels_last``: the teacher's weights and its input in NHWC layout (faster convolutions
  on GPUs with tensor cores and on some CPUs); the recorded outputs are made contiguous again,
  as the losses and connectors reshape them with ``view``.
* ``autocast``: ``'bf16'`` or ``'fp16'`` runs the teacher's forward only under autocast in that
  precision; its recorded outputs are cast back to fp32, so the losses compute in fp32. ``None``
  (default) leaves the surrounding step's precision: fp32 on the CPU, and autocast for the
  whole step, teacher included, with ``tools/train.py --amp`` (MMEngine's AmpOptimWrapper).
"""

import functools
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional

import torch
from torch import Tensor, nn
from torch.utils._pytree import tree_map

from mmkd.utils.errors import ConfigError, did_you_mean

AUTOCAST_DTYPES = {'bf16': torch.bfloat16, 'fp16': torch.float16}


@dataclass(frozen=True)
class TeacherSpeed:
    """The validated ``teacher_speed`` switches of a distiller (all off by default)."""

    inference_mode: bool = False
    channels_last: bool = False
    autocast: Optional[str] = None

    @classmethod
    def from_config(cls, cfg: Optional[Mapping[str, Any]]) -> 'TeacherSpeed':
        if cfg is None:
            return cls()
        known = ('inference_mode', 'channels_last', 'autocast')
        if not isinstance(cfg, Mapping):
            raise ConfigError(
                f'teacher_speed must be dict({"=..., ".join(known)}=...), got {cfg!r}.'
            )
        for key, value in cfg.items():
            if key not in known:
                raise ConfigError(
                    f'teacher_speed: unknown key {key!r}.{did_you_mean(key, known)} '
                    f'Known: {list(known)}.'
                )
            if key != 'autocast' and not isinstance(value, bool):
                raise ConfigError(f'teacher_speed.{key} must be True or False, got {value!r}.')
        autocast = cfg.get('autocast')
        if autocast is not None and autocast not in AUTOCAST_DTYPES:
            raise ConfigError(
                f"teacher_speed.autocast must be None, 'bf16' or 'fp16', got {autocast!r}."
            )
        return cls(**dict(cfg))

    def prepare(self, teacher: nn.Module) -> None:
        """Put the teacher's weights in the layout its forward will use."""
        if self.channels_last:
            teacher.to(memory_format=torch.channels_last)

    def inputs(self, inputs: Tensor) -> Tensor:
        if self.channels_last and inputs.dim() == 4:
            return inputs.contiguous(memory_format=torch.channels_last)
        return inputs

    @contextmanager
    def forward_context(self, device_type: str) -> Iterator[None]:
        """Around the teacher's forward: no gradient (inference mode when asked), autocast when
        asked."""
        with ExitStack() as stack:
            stack.enter_context(torch.inference_mode() if self.inference_mode else torch.no_grad())
            if self.autocast is not None:
                dtype = AUTOCAST_DTYPES[self.autocast]
                stack.enter_context(torch.autocast(device_type, dtype=dtype))
            yield

    def output(self, value: Any) -> Any:
        """A recorded teacher output as the losses need it: an ordinary (not inference) tensor,
        contiguous, fp32 when the forward ran under this autocast."""
        return tree_map(self._tensor, value)

    def _tensor(self, value: Any) -> Any:
        if not isinstance(value, Tensor):
            return value
        if self.autocast is not None and value.is_floating_point():
            value = value.float()  # a new ordinary tensor when the dtype changes
        if self.inference_mode and value.is_inference():
            value = value.clone()
        return value.contiguous() if self.channels_last else value

    @functools.cached_property
    def changes_outputs(self) -> bool:
        """Whether a switch is on (the outputs then need :meth:`output`); asked every step."""
        return self != TeacherSpeed()
