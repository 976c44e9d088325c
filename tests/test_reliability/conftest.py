"""The reliability suite: every way a hostile or careless user was seen to break a run.

Each test asserts the exit code, the one-line message and that no good file was lost.
The embedded datasets and the tool runner are the ones the tools tests use.
"""
import subprocess
from typing import Iterable

from tests.test_tools.conftest import data_root, free_port, save_untrained  # noqa: F401
from tests.test_tools.test_tools import (CFG, ROOT, data_options, iter_options,  # noqa: F401
                                         run_tool, train)


def assert_one_line_error(proc: subprocess.CompletedProcess, *fragments: str,
                          returncode: int = 1) -> str:
    """The tool stopped with mmkd's one-line error (no traceback) that holds ``fragments``."""
    assert proc.returncode == returncode, (proc.returncode, proc.stdout[-3000:], proc.stderr[-5000:])
    assert 'Traceback' not in proc.stderr, proc.stderr[-5000:]
    assert 'mmkd: error:' in proc.stderr, proc.stderr[-5000:]
    message = proc.stderr.split('mmkd: error:', 1)[1]
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def same_bytes(paths: Iterable[str], before: dict) -> bool:
    """Each file still holds the bytes recorded in ``before`` (path -> bytes)."""
    return all(open(p, 'rb').read() == before[p] for p in paths)
