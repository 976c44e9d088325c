"""The package holds the product: the demo-data generators are not loaded by ``import mmkd``."""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_import_mmkd_does_not_load_the_demo_data_generators() -> None:
    # A fresh interpreter: this test process has imported mmkd.demo_data through other tests.
    check = (
        'import sys, mmkd; loaded = sorted(m for m in sys.modules '
        "if m.startswith('mmkd.demo_data')); assert not loaded, loaded; "
        "assert mmkd.registry.DATASETS.get('CIFAR10Embedded') is not None"
    )
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    result = subprocess.run(
        [sys.executable, '-c', check], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
