"""Checkpoint loading that stays safe on torch >= 2.6 and fails with a useful message.

torch >= 2.6 loads with ``weights_only=True`` by default, which rejects the few non-tensor types
MMEngine writes into its checkpoints (the message hub's ``HistoryBuffer`` and numpy arrays,
scalars and dtypes), so MMEngine 0.10.7 can no longer ``load_from`` or ``resume`` its own files.
Instead of turning safe loading off, :func:`allow_mmengine_checkpoint_types` adds exactly those
types to torch's allow-list, and only a restricted stand-in for the ``getattr`` that the message
hub's buffers pickle. Files the user points at are still loaded with ``weights_only=True``.

A checkpoint may also be an http(s) URL (e.g. an mmseg model-zoo file): it is downloaded once into
torch hub's cache, the directory torch's and MMEngine's URL loaders use, and then loaded like a
local file. :func:`load_urls_safely` gives MMEngine (``load_from``, ``--resume``) the same loader.
"""

import hashlib
import os
import os.path as osp
import pickle
import re
import sys
from collections import OrderedDict
from http.client import HTTPException
from typing import Dict, List, Mapping, NamedTuple, Optional, Tuple
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse

import numpy as np
import torch
from mmengine.dist import barrier, get_dist_info
from mmengine.logging import print_log
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader
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


def load_checkpoint_file(path: str, what: str, map_location: object = 'cpu') -> dict:
    """``torch.load`` a checkpoint (a local file, or an http(s) URL downloaded once) safely,
    with errors that say what to do."""
    local = download_checkpoint(path, what) if is_url(path) else path
    if not local or not os.path.isfile(local):
        raise ConfigError(
            f'{what} checkpoint not found: {path!r}. Train it first (tools/train.py with its own '
            f'config) or point the config at an existing .pth file.'
        )
    try:
        return torch.load(local, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises many types for corrupt or foreign files
        where = f'{path!r} (cached as {local}: delete it to download again)' if is_url(path) else ''
        raise ConfigError(
            f'{what} checkpoint {where or repr(path)} could not be read ({type(err).__name__}: '
            f'{_load_failure(err)}). It is corrupt, truncated, not a PyTorch checkpoint, or holds '
            f'objects that are not plain weights; re-save it (model weights and plain Python '
            f'values only) or re-download it.'
        ) from err


URL_PREFIXES = ('http://', 'https://')
# torch hub's convention, kept by OpenMMLab's zoo: <name>-<first hex digits of the file's sha256>.
# <ext>, e.g. pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth
_HASH_SUFFIX = re.compile(r'-([0-9a-f]{8,64})\.[A-Za-z0-9]+$')


def is_url(path: object) -> bool:
    return isinstance(path, str) and path.startswith(URL_PREFIXES)


def url_cache_path(url: str) -> str:
    """Where a download of ``url`` is kept: ``<torch.hub.get_dir()>/checkpoints/<file name>``,
    as torch's ``load_state_dict_from_url`` and MMEngine's ``load_from_http`` keep it, so a file
    either of them (or the user, by hand) put there is found."""
    return osp.join(torch.hub.get_dir(), 'checkpoints', osp.basename(urlparse(url).path))


def download_checkpoint(url: str, what: str) -> str:
    """The local copy of a checkpoint URL, downloaded on first use.

    Called on every rank of a multi-process run (models are built and checkpoints checked on
    each): as in MMEngine's ``load_from_http``, rank 0 downloads while the others wait, then they
    find its file (or, where nodes do not share the cache, download their own). A failure on
    rank 0 is raised after the barrier, so the other ranks never wait for ever.
    """
    rank, world_size = get_dist_info()
    if world_size == 1:
        return _download_once(url, what)
    path, error = None, None
    if rank == 0:
        try:
            path = _download_once(url, what)
        except ConfigError as err:
            error = err
    barrier()
    if error is not None:
        raise error
    return path or _download_once(url, what)


def _download_once(url: str, what: str) -> str:
    """Download ``url`` into torch hub's cache unless it is there. The bytes go to a file beside
    the cache file and replace it only once complete and checked (a PyTorch file; the sha256 its
    name promises), so an interrupted or wrong download never leaves a cache file behind."""
    cache = url_cache_path(url)
    if osp.isfile(cache):
        return cache
    by_hand = (
        f'Download it by hand (wget/curl, on a machine with internet access) and give its local '
        f'path instead of the URL, or put it at {cache}, where it is looked up first.'
    )
    if not osp.basename(cache):
        raise ConfigError(f'{what} checkpoint URL {url!r} names no file. {by_hand}')
    staging = f'{cache}.{os.getpid()}.download'
    print_log(f'downloading the {what} checkpoint {url} to {cache}', logger='current')
    try:
        os.makedirs(osp.dirname(cache), exist_ok=True)
        torch.hub.download_url_to_file(url, staging, progress=sys.stderr.isatty())
        _check_download(url, staging, what, by_hand)
        os.replace(staging, cache)  # atomic: the cache holds a whole, checked checkpoint or nothing
    except (URLError, HTTPException, ConnectionError, TimeoutError) as err:
        raise ConfigError(
            f'{what} checkpoint {url!r} could not be downloaded ({_url_failure(err)}). {by_hand}'
        ) from err
    except PermissionError as err:
        raise ConfigError(
            f'{what} checkpoint {url!r}: cannot write to the torch hub cache '
            f'{osp.dirname(cache)} ({err.strerror}). Set TORCH_HOME to a writable directory (the '
            f'cache is $TORCH_HOME/hub/checkpoints), or give the local path of a downloaded copy.'
        ) from err
    finally:
        if osp.exists(staging):
            os.remove(staging)
    return cache


def _url_failure(err: Exception) -> str:
    if isinstance(err, HTTPError):
        return f'HTTP {err.code} {err.reason}'
    if isinstance(err, URLError):
        return str(err.reason)
    return f'{type(err).__name__}: {err}' if str(err) else type(err).__name__


def _check_download(url: str, path: str, what: str, by_hand: str) -> None:
    """A downloaded file is a PyTorch checkpoint (not the HTML page a login wall or an error
    sends with status 200) and, where its name carries a sha256 prefix, has that hash."""
    with open(path, 'rb') as f:
        head = f.read(512)
    kind = _content_kind(head)
    if kind is not None:
        raise ConfigError(
            f'{what} checkpoint URL {url!r} returned {kind} (starting {head[:24]!r}), not a '
            f'PyTorch checkpoint: a login, error or download page, or a link to a web page '
            f'instead of the file; nothing was cached. {by_hand}'
        )
    expected = _hash_prefix(url)
    if expected is not None:
        with open(path, 'rb') as f:
            digest = hashlib.file_digest(f, 'sha256').hexdigest()
        if not digest.startswith(expected):
            raise ConfigError(
                f'{what} checkpoint URL {url!r}: the downloaded file has sha256 {digest[:12]}..., '
                f'but its name ends in -{expected}, the start of the sha256 it should have (torch '
                f'hub and OpenMMLab zoo names); the download is corrupt or another file; nothing '
                f'was cached. Try again, or {by_hand[0].lower()}{by_hand[1:]}'
            )


def _hash_prefix(url: str) -> Optional[str]:
    """The sha256 prefix a file name promises, if any. A suffix of digits only (a date or a
    version, ``model-20240101.pth``) is not taken for one."""
    match = _HASH_SUFFIX.search(osp.basename(urlparse(url).path))
    if match is None or match.group(1).isdigit():
        return None
    return match.group(1)


def _content_kind(head: bytes) -> Optional[str]:
    """None for the start of a PyTorch file (a zip archive since torch 1.6, a pickle before),
    else what the bytes look like."""
    zip_archive = head.startswith(b'PK\x03\x04')
    pickle_protocol = head[1] if len(head) > 1 and head[0] == 0x80 else 0  # PROTO opcode
    if zip_archive or 2 <= pickle_protocol <= 5:
        return None
    text = head.lstrip().lower()
    if not head:
        return 'an empty file'
    if text.startswith((b'<!doctype html', b'<html')) or b'<html' in text or b'<head' in text:
        return 'an HTML page'
    if text.startswith(b'<'):
        return 'an XML document'
    if text.startswith((b'{', b'[')):
        return 'JSON'
    if head.startswith(b'\x1f\x8b'):
        return 'a gzip archive'
    if head[257:262] == b'ustar':
        return 'a tar archive'
    try:
        head.decode('utf-8')
    except UnicodeDecodeError:
        return 'binary data of an unknown format'
    return 'text'


def load_url_for_mmengine(filename: str, map_location: object = None) -> dict:
    """MMEngine's loader for http(s) checkpoints once :func:`load_urls_safely` has run."""
    return load_checkpoint_file(filename, 'model', map_location or 'cpu')


def load_urls_safely() -> None:
    """Let MMEngine (``load_from``, ``--resume``, a ``Pretrained`` init) load http(s) checkpoints
    through :func:`load_checkpoint_file`: MMEngine's own loader calls torch hub's
    ``load_state_dict_from_url``, whose ``weights_only=False`` lets a file from the network run
    code while unpickling. The download lands in the same cache."""
    CheckpointLoader.register_scheme(URL_PREFIXES, load_url_for_mmengine, force=True)


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
