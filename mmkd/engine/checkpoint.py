"""Checkpoint loading that stays safe on torch >= 2.6 and fails with a useful message.

torch >= 2.6 loads with ``weights_only=True`` by default, which rejects the few non-tensor types
MMEngine writes into its checkpoints (the message hub's ``HistoryBuffer`` and numpy arrays,
scalars and dtypes), so MMEngine 0.10.7 can no longer ``load_from`` or ``resume`` its own files.
Instead of turning safe loading off, :func:`allow_mmengine_checkpoint_types` adds exactly those
types to torch's allow-list, and only a restricted stand-in for the ``getattr`` that the message
hub's buffers pickle. Files the user points at are still loaded with ``weights_only=True``.
"""

import os
import pickle
from collections import OrderedDict
from typing import Dict, List, Mapping, NamedTuple, Tuple

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from torch import nn

from mmkd.utils.errors import ConfigError


def _numpy_types() -> List[object]:
    """numpy's pickle entry points for arrays, scalars and dtypes (numpy 1.x and 2.x)."""
    core = np._core if hasattr(np, '_core') else np.core  # numpy 2 renamed np.core
    types: List[object] = [
        np.ndarray,
        np.dtype,
        core.multiarray._reconstruct,
        core.multiarray.scalar,
    ]
    # numpy >= 1.25 pickles each dtype with its own class, e.g. numpy.dtypes.Float64DType.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        types += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')]
    return types


def _history_buffer_getattr(obj: object, name: str) -> object:
    """The one use of ``getattr`` in MMEngine checkpoints, and nothing else.

    ``HistoryBuffer`` pickles its table of statistics as ``getattr(HistoryBuffer, 'mean')``.
    A general ``getattr`` would let a malicious file reach arbitrary attributes, so the
    unpickler gets this stand-in, which only returns a HistoryBuffer's own statistic methods.
    """
    if (
        (obj is HistoryBuffer or isinstance(obj, HistoryBuffer))
        and isinstance(name, str)
        and not name.startswith('_')
        and callable(getattr(HistoryBuffer, name, None))
    ):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'refusing getattr({obj!r}, {name!r}) while loading a checkpoint: only '
        'MMEngine HistoryBuffer statistics may be looked up this way'
    )


def allow_mmengine_checkpoint_types() -> None:
    """Allow, for ``weights_only`` loading, the types MMEngine checkpoints contain."""
    torch.serialization.add_safe_globals(
        [HistoryBuffer, *_numpy_types(), (_history_buffer_getattr, 'builtins.getattr')]
    )


def load_checkpoint_file(path: str, what: str) -> dict:
    """``torch.load`` a checkpoint safely, with errors that say what to do."""
    if not path or not os.path.isfile(path):
        raise ConfigError(
            f'{what} checkpoint not found: {path!r}. Train it first (tools/train.py with its own '
            f'config) or point the config at an existing .pth file.'
        )
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # torch raises many types for corrupt or foreign files
        raise ConfigError(
            f'{what} checkpoint {path!r} could not be read ({type(err).__name__}: '
            f'{_load_failure(err)}). It is corrupt, truncated, not a PyTorch checkpoint, or holds '
            f'objects that are not plain weights; re-save it (model weights and plain Python '
            f'values only) or re-download it.'
        ) from err


def _load_failure(err: Exception) -> str:
    """What went wrong, without torch's advice: for a refused object torch suggests re-running
    with safe loading turned off, which would let the file run code. Its lines that mention
    ``weights_only`` are dropped; the first remaining sentence names the refused object."""
    for line in str(err).splitlines():
        line = line.strip()
        if not line or 'weights_only' in line or line.startswith('Weights only load failed'):
            continue
        line = line.split('WeightsUnpickler error:', 1)[-1].strip()
        return line.split('. ')[0].rstrip('.')  # e.g. 'Unsupported global: GLOBAL os.system ...'
    return 'the safe loader refused its content' if str(err) else ''


def extract_state_dict(checkpoint: dict, prefix: str = '') -> 'OrderedDict[str, torch.Tensor]':
    """The model weights of an MMEngine checkpoint (or a bare state dict).

    With ``prefix`` (e.g. ``'student.'``) only the keys under it are kept, with the prefix
    removed: this reads a distiller checkpoint as a plain upstream model checkpoint.
    """
    state = checkpoint.get('state_dict', checkpoint)
    if prefix and any(k.startswith(prefix) for k in state):
        state = OrderedDict((k[len(prefix) :], v) for k, v in state.items() if k.startswith(prefix))
    # DataParallel / DDP checkpoints saved without unwrapping
    if state and all(k.startswith('module.') for k in state):
        state = OrderedDict((k[len('module.') :], v) for k, v in state.items())
    return OrderedDict(state)


class KeyMismatch(NamedTuple):
    """How a checkpoint's weights differ from a model's: the keys, and the shapes that differ."""

    missing: List[str]  # in the model, not in the checkpoint
    unexpected: List[str]  # in the checkpoint, not in the model
    wrong_shape: List[str]  # in both, with different shapes ('key: checkpoint (..) vs model (..)')

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.wrong_shape)

    def describe(self, limit: int = 3) -> str:
        """One line: a few keys of each kind, with their count."""

        def few(items: List[str]) -> str:
            more = f' ... ({len(items)} in all)' if len(items) > limit else ''
            return ', '.join(items[:limit]) + more

        return '; '.join(
            f'{label}: {few(items)}'
            for label, items in [
                ('missing in checkpoint', self.missing),
                ('not in model', self.unexpected),
                ('shape mismatch', self.wrong_shape),
            ]
            if items
        )


def compare_state_dicts(own: Mapping[str, object], state: Mapping[str, object]) -> KeyMismatch:
    """The keys and shapes of ``state`` (a checkpoint) against ``own`` (a model's state dict)."""

    def shape(value: object) -> Tuple[int, ...]:
        return tuple(value.shape) if isinstance(value, torch.Tensor) else ()

    return KeyMismatch(
        missing=[k for k in own if k not in state],
        unexpected=[k for k in state if k not in own],
        wrong_shape=[
            f'{k}: checkpoint {shape(state[k])} vs model {shape(own[k])}'
            for k in own
            if k in state and shape(state[k]) != shape(own[k])
        ],
    )


def checkpoint_mismatch_error(
    path: str, what: str, mismatch: KeyMismatch, fix: str, target: str = ''
) -> ConfigError:
    """The one error for every checkpoint that does not fit its model: the keys, then the fix."""
    return ConfigError(
        f'{what} checkpoint {path!r} does not fit {target or f"the {what} config"}:'
        f' {mismatch.describe()}. {fix}'
    )


def load_model_weights(model: nn.Module, path: str, what: str) -> Dict[str, object]:
    """Load a checkpoint strictly into ``model``; on mismatch say which keys and why.

    A checkpoint written by an mmkd distiller is accepted too: its ``student.`` weights are used
    (so a distilled student can serve as the next teacher).
    """
    checkpoint = load_checkpoint_file(path, what)
    state = extract_state_dict(checkpoint, prefix='student.')
    mismatch = compare_state_dicts(model.state_dict(), state)
    if mismatch:
        raise checkpoint_mismatch_error(
            path,
            what,
            mismatch,
            f'Use the checkpoint trained with this {what} config, or fix '
            f'the {what} config (depth, channels, num_classes) to match the checkpoint.',
        )
    model.load_state_dict(state, strict=True)
    return checkpoint.get('meta', {}) if isinstance(checkpoint, dict) else {}
