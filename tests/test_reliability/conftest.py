"""The reliability suite: every way a hostile or careless user was seen to break a run.

Each test asserts the exit code, the one-line message and that no good file was lost.
The embedded datasets and the tool runner are the ones the tools tests use.
"""

import subprocess
from typing import Iterable

from tests.test_tools.conftest import data_root, free_port, save_untrained  # noqa: F401
from tests.test_tools.test_tools import CFG, ROOT, data_options, iter_options, run_tool, train  # noqa: F401

# The configs the reliability tests run (one place, so a renamed config is changed once).
SEG_TEACHER = f'{CFG}/models/seg_pspnet-r18w32_demo-600it_embedded-cityscapes.py'
SEG_STUDENT = f'{CFG}/models/seg_pspnet-r18w8_demo-600it_embedded-cityscapes.py'
SEG_KD = f'{CFG}/kd/seg_kd_demo.py'
CLS_TEACHER = f'{CFG}/models/cls_resnet20_demo-15e_embedded-digits.py'
CLS_KD = f'{CFG}/kd/cls_kd_demo.py'
CLS_SDKD = f'{CFG}/sdkd/cls_sdkd_demo.py'
DEPTH_KD = f'{CFG}/kd/depth_kd_demo.py'
CIFAR_ZOO_KD = f'{CFG}/kd/cls_kd_resnet56_to_resnet20_1xb64-240e_cifar100.py'


def assert_one_line_error(
    proc: subprocess.CompletedProcess, *fragments: str, returncode: int = 1
) -> str:
    """The tool stopped with mmkd's one-line error (no traceback) that holds ``fragments``."""
    assert proc.returncode == returncode, (
        proc.returncode,
        proc.stdout[-3000:],
        proc.stderr[-5000:],
    )
    assert 'Traceback' not in proc.stderr, proc.stderr[-5000:]
    assert 'mmkd: error:' in proc.stderr, proc.stderr[-5000:]
    message = proc.stderr.split('mmkd: error:', 1)[1]
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def same_bytes(paths: Iterable[str], before: dict) -> bool:
    """Each file still holds the bytes recorded in ``before`` (path -> bytes)."""
    return all(open(p, 'rb').read() == before[p] for p in paths)
