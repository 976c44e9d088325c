"""Files written atomically: a crash or a full disk never leaves a truncated checkpoint.

MMEngine writes every checkpoint through its local file backend's ``put``: ``open(path, 'wb')``
and one ``write``. A failure halfway (disk full, quota, a killed job) leaves a truncated
``iter_N.pth`` that neither loads nor resumes, beside the good one, or in its place when a
file of that name is overwritten. :class:`AtomicLocalBackend` is MMEngine's local backend with an
atomic ``put``/``put_text``: the bytes go to a temporary file in the same directory, are
flushed to disk (``fsync``) and only then renamed over the target (``os.replace``, atomic on
POSIX and Windows). On any failure the temporary file is removed and the error re-raised with
the target's path, so the target either holds the old bytes or the complete new ones.

It is registered under MMEngine's own name for the local backend (``'local'``, plain paths)
when mmkd is imported, which is how MMEngine lets a storage backend be replaced: the
checkpoint hook, ``Runner.save_checkpoint`` and ``mmengine.fileio.dump`` then write atomically
without a config change. mmkd's own ``torch.save`` calls use :func:`atomic_torch_save`.
"""

import contextlib
import io
import os
import os.path as osp
import secrets
from pathlib import Path
from typing import IO, Iterator, Union

import mmengine
import torch
from mmengine.fileio.backends import LocalBackend, register_backend


@contextlib.contextmanager
def atomic_file(
    path: Union[str, Path], mode: str = 'wb', encoding: Union[str, None] = None
) -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; on a clean exit it replaces ``path``.

    An ``OSError`` raised while writing (e.g. ``ENOSPC``) comes out with ``filename=path``, so
    error messages name the file that could not be written, not the temporary one.
    """
    path = os.fspath(path)
    directory = osp.dirname(osp.abspath(path))
    temp = osp.join(directory, f'.{osp.basename(path)}.{secrets.token_hex(4)}.tmp')
    try:
        # 0o666 minus the umask: the mode a plain open() would give the file
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temp)
        if isinstance(err, OSError) and err.errno is not None and err.filename != path:
            raise OSError(err.errno, err.strerror, path) from err
        raise
    _sync_directory(directory)


def atomic_torch_save(obj: object, path: Union[str, Path]) -> None:
    """``torch.save`` through :func:`atomic_file`. Serialised in memory first, as MMEngine does:
    torch's zip writer, streaming into a file that fails, replaces the ``OSError`` (and its
    errno, e.g. ENOSPC) with a ``RuntimeError`` about file positions."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with atomic_file(path) as f:
        f.write(buffer.getbuffer())


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open directories."""
    if os.name != 'posix':
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend, writing through :func:`atomic_file`."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        mmengine.mkdir_or_exist(osp.dirname(filepath))
        with atomic_file(filepath, 'wb') as f:
            f.write(obj)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        mmengine.mkdir_or_exist(osp.dirname(filepath))
        with atomic_file(filepath, 'w', encoding=encoding) as f:
            f.write(obj)


def use_atomic_local_backend() -> None:
    """Make MMEngine write local files through :class:`AtomicLocalBackend` (idempotent)."""
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
