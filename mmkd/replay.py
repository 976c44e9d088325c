"""Replay of a forward's prefix: record what a model computed before one of its modules starts,
then run the model again from that module on, the earlier modules returning their recordings.

SDKD's proxy teacher is the student network on the student's weights and input up to the
fusion stage: the part of its forward before the fusion module computes exactly what the
student's own forward has just computed. :class:`PrefixReplay` records, during the student's
forward, the outputs of the modules that finish before the ``until`` module starts: the
children of each module on the path to it (``backbone.stem``, ``backbone.layer1``,
``backbone.layer2`` for ``backbone.layer3``), including the early stages a neck or decode head
reads later (multi-scale ``out_indices``). Inside :meth:`PrefixReplay.replaying` those modules
return their recordings instead of computing; the code around them (the parents' forwards)
still runs, on the recorded tensors, so the second forward continues from ``until`` with the
same tensors as the first. A module called several times returns its recordings in call order,
and runs normally once they are used up (a call after the ``until`` module started).

The recordings are detached: the replayed prefix has no autograd graph, as a forward on
detached weights and a constant input would not have. They share storage with the first
forward's tensors, so an in-place change of one of them after the recording (by the ``until``
module or anything after it, in either forward) would make the two forwards differ: that is
checked through the tensors' version counters and raised, never silently replayed.
Random modules before ``until`` (dropout) replay the first forward's draw.

With ``inclusive=True`` the ``until`` module is replayed too: its recorded output is what the
second forward gets from it, and its forward hooks still run on that output (SDKD's FFB hook on
the fusion module), so the second forward computes only what comes after ``until``.
"""

from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List

from torch import Tensor, nn
from torch.utils._pytree import tree_flatten, tree_map


def _tensors(value: Any) -> List[Tensor]:
    return [t for t in tree_flatten(value)[0] if isinstance(t, Tensor)]


def _detached(value: Any) -> Any:
    return tree_map(lambda t: t.detach() if isinstance(t, Tensor) else t, value)


class PrefixReplay:
    """Records a model's forward up to the module at ``until`` and replays it.

    Args:
        model: the model whose forwards are recorded and replayed.
        until: module path where the replay stops (the first module that computes again).
        inclusive: replay the ``until`` module's first output as well (the forward then
            computes again from the modules after it).
    """

    def __init__(self, model: nn.Module, until: str, inclusive: bool = False) -> None:
        self.until = model.get_submodule(until)
        self.inclusive = inclusive
        self.modules: List[nn.Module] = []  # the children of each module on the path to `until`
        parts = until.split('.')
        for depth in range(len(parts)):
            parent = model.get_submodule('.'.join(parts[:depth]))
            self.modules += [m for name, m in parent.named_children() if name != parts[depth]]
        self._records: Dict[nn.Module, List[Any]] = {}
        self._versions: List[int] = []
        self.complete = False  # the `until` module started during the recorded forward

    def clear(self) -> None:
        self._records, self._versions, self.complete = {}, [], False

    def _record(self, module: nn.Module, args: Any, output: Any) -> None:
        if not self.complete:
            self._records.setdefault(module, []).append(_detached(output))

    def _reached(self, module: nn.Module, args: Any) -> None:
        if not self.complete:
            self.complete = True
            self._versions = [t._version for t in self._recorded_tensors()]

    def _record_until(self, module: nn.Module, args: Any, output: Any) -> None:
        if self.complete and module not in self._records:  # its first call only
            self._records[module] = [_detached(output)]
            self._versions = [t._version for t in self._recorded_tensors()]

    def _recorded_tensors(self) -> List[Tensor]:
        return [t for outputs in self._records.values() for t in _tensors(outputs)]

    @contextmanager
    def recording(self) -> Iterator['PrefixReplay']:
        """Record the forward(s) run inside this block until the ``until`` module starts; the
        recordings last until the block ends."""
        self.clear()
        handles = [m.register_forward_hook(self._record) for m in self.modules]
        handles.append(self.until.register_forward_pre_hook(self._reached))
        if self.inclusive:  # after the hooks already on it (its recorded output is theirs)
            handles.append(self.until.register_forward_hook(self._record_until))
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()
            self.clear()

    def _check_unchanged(self, when: str) -> None:
        if [t._version for t in self._recorded_tensors()] != self._versions:
            raise RuntimeError(
                f'PrefixReplay: a recorded output before the replay point was changed in place '
                f'{when}, so the replayed forward would differ from a full one. Run the full '
                "forward instead (SDKD: proxy_pass='full')."
            )

    @contextmanager
    def replaying(self) -> Iterator[None]:
        """Forwards inside this block skip the recorded modules: each returns its recordings."""
        if not self.complete:
            raise RuntimeError('PrefixReplay: nothing recorded up to the replay point to replay.')
        self._check_unchanged('after it was recorded')
        patched = []
        for module, outputs in self._records.items():
            if 'forward' in module.__dict__:
                raise RuntimeError(
                    f'PrefixReplay: {type(module).__name__} already has its '
                    'forward replaced on the instance.'
                )
            module.forward = _replayer(iter(outputs), module.forward)
            patched.append(module)
        try:
            yield
        finally:
            for module in patched:
                del module.__dict__['forward']
        self._check_unchanged('by the replayed forward')


def _replayer(outputs: Iterator[Any], forward: Callable) -> Callable:
    done = object()

    def replay(*args: Any, **kwargs: Any) -> Any:
        output = next(outputs, done)
        return forward(*args, **kwargs) if output is done else output

    return replay
