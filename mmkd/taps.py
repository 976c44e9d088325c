"""Feature taps: record module outputs by module path, without touching the model's code.

A tap is a name (used by the losses) bound to a module path such as ``backbone.layer3`` or
``decode_head.conv_seg``. A path may end in ``[i]`` to pick one element of a module that returns
a tuple or list (e.g. ``backbone[2]`` for the third stage of an mmpretrain/mmseg backbone).

Paths are checked when the taps are built, so a typo fails at build time with the closest valid
names. Forward hooks exist only inside ``with taps.recording():`` and are removed on exit, even
when the forward raises.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, Mapping, Optional

from torch import Tensor, nn

from mmkd.utils.errors import ConfigError, did_you_mean

_INDEXED = re.compile(r'^(?P<path>[^\[\]]*)\[(?P<index>-?\d+)\]$')


@dataclass(frozen=True)
class TapSpec:
    """Where a tap reads: a module path and, optionally, an index into a tuple output."""

    path: str
    index: Optional[int] = None

    @classmethod
    def parse(cls, text: str) -> 'TapSpec':
        match = _INDEXED.match(text)
        if match:
            return cls(match['path'], int(match['index']))
        return cls(text)

    def __str__(self) -> str:
        return self.path if self.index is None else f'{self.path}[{self.index}]'


class _AllTapsRecorded(Exception):
    """Raised inside a forward to stop it once every tap has fired (the rest is not needed)."""


class FeatureTaps:
    """Records the outputs of named modules of one model during a forward.

    Args:
        model: the model whose modules are tapped.
        taps: tap name -> module path (``'backbone.layer3'``, ``'backbone[2]'``).
        owner: a word for messages, e.g. ``'student'`` or ``'teacher'``.
    """

    def __init__(self, model: nn.Module, taps: Mapping[str, str], owner: str) -> None:
        self.owner = owner
        self.specs: Dict[str, TapSpec] = {name: TapSpec.parse(path) for name, path in taps.items()}
        module_names = [name for name, _ in model.named_modules() if name]
        self.modules: Dict[str, nn.Module] = {}
        for name, spec in self.specs.items():
            try:
                self.modules[name] = model.get_submodule(spec.path)
            except AttributeError:
                raise ConfigError(
                    f'{owner} tap {name!r}: the {owner} has no module {spec.path!r}.'
                    f'{did_you_mean(spec.path, module_names)} '
                    f'Fix the path in the `taps` of your config.'
                ) from None
        self._records: Dict[str, Tensor] = {}
        self._stop_when_complete = False

    def __contains__(self, name: str) -> bool:
        return name in self.specs

    def __getitem__(self, name: str) -> Tensor:
        if name not in self.specs:
            raise KeyError(f'{self.owner} has no tap named {name!r}; taps: {sorted(self.specs)}')
        if name not in self._records:
            raise RuntimeError(
                f'{self.owner} tap {name!r} ({self.specs[name]}) did not fire during the forward: '
                f'that module is not run in this mode. Tap a module on the forward path.'
            )
        return self._records[name]

    def clear(self) -> None:
        """Drop the recorded tensors (and the graphs they keep alive)."""
        self._records.clear()

    def map_records(self, fn: Callable[[Any], Any]) -> None:
        """Replace each recorded output by ``fn(output)`` (e.g. a half-precision teacher's
        outputs cast back to fp32)."""
        self._records = {name: fn(output) for name, output in self._records.items()}

    def load(self, records: Mapping[str, Tensor]) -> None:
        """Set the recorded tensors without a forward (the teacher-output cache fills the
        teacher taps this way)."""
        missing = sorted(set(self.specs) - set(records))
        if missing:
            raise KeyError(f'{self.owner}: no tensors given for taps {missing}')
        self._records = {name: records[name] for name in self.specs}

    def _make_hook(self, name: str):
        spec = self.specs[name]

        def hook(module: nn.Module, args, output) -> None:
            if spec.index is not None:
                if not isinstance(output, (tuple, list)):
                    raise ConfigError(
                        f'{self.owner} tap {name!r}: {spec.path!r} returns '
                        f'{type(output).__name__}, not a tuple, so it cannot be indexed '
                        f'with [{spec.index}]. Drop the index from the tap path.'
                    )
                output = output[spec.index]
            self._records[name] = output
            if self._stop_when_complete and len(self._records) == len(self.specs):
                raise _AllTapsRecorded

        return hook

    @contextmanager
    def recording(self, stop_when_complete: bool = False) -> Iterator['FeatureTaps']:
        """Hooks are attached only inside this block.

        With ``stop_when_complete`` the forward is cut short once every tap has fired: a teacher
        whose taps all sit in its backbone never runs its head. Use it with :meth:`run`.
        """
        self.clear()
        self._stop_when_complete = stop_when_complete
        handles = [m.register_forward_hook(self._make_hook(n)) for n, m in self.modules.items()]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()
            self._stop_when_complete = False

    def run(self, forward, *args, **kwargs) -> None:
        """Run ``forward`` with hooks attached, stopping as soon as every tap has fired."""
        with self.recording(stop_when_complete=True):
            try:
                forward(*args, **kwargs)
            except _AllTapsRecorded:
                pass
        missing = [n for n in self.specs if n not in self._records]
        if missing:
            raise RuntimeError(
                f'{self.owner} taps {missing} did not fire during the forward: those modules '
                f'are not run in tensor mode. Tap a module on the forward path.'
            )

    @property
    def num_hooks(self) -> int:
        """Forward hooks currently attached to the tapped modules (0 outside ``recording``)."""
        return sum(len(m._forward_hooks) for m in self.modules.values())
