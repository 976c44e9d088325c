"""No data file runs code: the embedded CIFAR digits are plain arrays, never unpickled.

A ``test_batch`` planted in data_root used to run a shell command during ``tools/test.py``
(mmpretrain's CIFAR parsing ``pickle.loads`` every batch file). Here a pickle that creates a
marker file when loaded sits under every name a loader could read, and the marker must never
appear, for the dataset classes and for ``tools/test.py``.
"""

import os
import os.path as osp
import pickle
import shlex
import sys
from typing import Iterator, List

import numpy as np
import pytest
from mmpretrain.datasets import CIFAR10, CIFAR100

from mmkd.datasets import CIFAR10Embedded, CIFAR100Embedded
from mmkd.demo_data import generate_digits_cifar10
from mmkd.utils import ConfigError
from tests.test_reliability.conftest import (
    CLS_TEACHER,
    assert_one_line_error,
    data_options,
    run_tool,
    save_untrained,
)

EMBEDDED = (CIFAR10Embedded, CIFAR100Embedded)


class RunsShell:
    """Unpickling this runs ``touch MARKER``, as the planted ``test_batch`` of the issue did."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {shlex.quote(self.marker)}',)


def readable_names() -> Iterator[str]:
    """Every file (relative to data_root) that mmkd's or mmpretrain's CIFAR loaders open."""
    for cls in EMBEDDED:
        yield from (f'{cls.base_folder}/{split}.npz' for split in ('train', 'test'))
        yield from (f'{cls.legacy_folder}/{name}' for name in cls.legacy_files)
    for cls in (CIFAR10, CIFAR100):  # the pickle names of the official layout
        for name, _ in cls.train_list + cls.test_list:
            yield f'{cls.base_folder}/{name}'
        yield f'{cls.base_folder}/{cls.meta["filename"]}'


def plant(root: str, names: List[str], payload: bytes) -> None:
    for name in names:
        path = osp.join(root, name)
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(payload)


@pytest.fixture
def marker(tmp_path) -> str:
    return str(tmp_path / 'PWNED')


def test_the_planted_pickle_does_run_code_when_unpickled(tmp_path):
    """The payload is live: what the loaders must never do would create the marker."""
    probe = str(tmp_path / 'probe')
    pickle.loads(pickle.dumps(RunsShell(probe)))
    assert osp.exists(probe)


def test_old_pickle_layout_is_refused_without_opening_it(tmp_path, marker):
    root = str(tmp_path / 'digits_cifar10')
    legacy = [n for n in set(readable_names()) if not n.endswith('.npz')]
    plant(root, legacy, pickle.dumps(RunsShell(marker)))
    for cls in EMBEDDED:
        for split in ('train', 'test'):
            with pytest.raises(ConfigError) as err:
                cls(data_root=root, split=split)
            message = str(err.value)
            assert 'old pickle layout' in message, message
            assert 'python tools/data/make_demo_data.py --only cls --force' in message, message
            assert f'--out {tmp_path}' in message, message
    assert not osp.exists(marker)


@pytest.mark.parametrize('payload_kind', ['pickle', 'npz_with_object_array'])
def test_pickled_content_in_the_npz_place_is_refused(payload_kind, tmp_path, marker):
    root = str(tmp_path / 'data')
    if payload_kind == 'pickle':
        payload = pickle.dumps(RunsShell(marker))
        expected = 'not an .npz archive'
    else:  # a real .npz whose `images` array holds the object: numpy pickles object arrays
        archive = str(tmp_path / 'evil.npz')
        np.savez(
            archive,
            images=np.array([RunsShell(marker)], dtype=object),
            labels=np.zeros(1, np.int64),
            classes=np.array(['0']),
        )
        payload = open(archive, 'rb').read()
        expected = 'Object arrays cannot be loaded when allow_pickle=False'
    plant(root, list(readable_names()), payload)
    for cls in EMBEDDED:
        with pytest.raises(ConfigError) as err:
            cls(data_root=root, split='test')
        message = str(err.value)
        assert expected in message and 'is not embedded digit data' in message, message
        assert 'python tools/data/make_demo_data.py' in message, message
    assert not osp.exists(marker)


@pytest.mark.parametrize('layout', ['old pickle layout', 'pickles everywhere'])
def test_test_tool_never_runs_a_planted_batch_file(layout, tmp_path, marker):
    """The issue's attack: tools/test.py on a cls config whose data_root holds planted files."""
    root = str(tmp_path / 'digits_cifar10')
    names = [
        n for n in set(readable_names()) if layout == 'pickles everywhere' or not n.endswith('.npz')
    ]
    plant(root, names, pickle.dumps(RunsShell(marker)))
    ckpt = save_untrained(CLS_TEACHER, str(tmp_path / 'teacher.pth'))
    proc = run_tool(
        [
            sys.executable,
            'tools/test.py',
            CLS_TEACHER,
            ckpt,
            '--work-dir',
            str(tmp_path / 'work'),
            '--cfg-options',
            *data_options(str(tmp_path), 'digits_cifar10'),
        ],
        expect_ok=False,
    )
    expected = 'old pickle layout' if layout == 'old pickle layout' else 'not an .npz archive'
    assert_one_line_error(proc, expected, 'python tools/data/make_demo_data.py')
    assert not osp.exists(marker)


def test_regenerating_replaces_the_old_layout(tmp_path, marker):
    """The fix the message names works: the generator removes the pickles and writes arrays."""
    root = str(tmp_path / 'digits_cifar10')
    legacy = [f'{CIFAR10Embedded.legacy_folder}/{n}' for n in CIFAR10Embedded.legacy_files]
    plant(root, legacy, pickle.dumps(RunsShell(marker)))
    assert not generate_digits_cifar10(root).skipped
    assert not osp.exists(osp.join(root, CIFAR10Embedded.legacy_folder))
    test = CIFAR10Embedded(data_root=root, split='test')
    info = test.get_data_info(0)
    assert info['img'].shape == (32, 32, 3) and info['img'].dtype == np.uint8
    assert (
        isinstance(info['gt_label'], int) and test.metainfo['classes'] == test.METAINFO['classes']
    )
    assert not osp.exists(marker)


def test_shipped_data_files_hold_no_pickle(data_root):
    """Every file the generator writes loads with allow_pickle=False (or is the JSON stamp)."""
    root = osp.join(data_root, 'digits_cifar10')
    files = [osp.join(d, f) for d, _, fs in os.walk(root) for f in fs]
    arrays = [f for f in files if f.endswith('.npz')]
    assert len(arrays) == 2 and len(files) == 3
    for path in arrays:
        with np.load(path, allow_pickle=False) as npz:
            assert all(npz[key].dtype != object for key in npz.files)
