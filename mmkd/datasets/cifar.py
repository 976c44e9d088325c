"""The embedded digits' loaders: mmpretrain's CIFAR datasets, reading arrays that cannot run code.

The data itself is written by :mod:`mmkd.demo_data.digits` (``tools/data/make_demo_data.py``);
only what a run needs lives here, so ``import mmkd`` does not load the generators.
"""

import io
import os.path as osp
import zipfile
from typing import Dict, List, Tuple

import numpy as np
from mmengine.fileio import exists, get, join_path
from mmpretrain.datasets import CIFAR10, CIFAR100

from mmkd.registry import DATASETS
from mmkd.utils.errors import ConfigError

DIGIT_CLASSES: Tuple[str, ...] = tuple(str(d) for d in range(10))
# The 10 colour styles of the CIFAR-100 digits; fine label = 10 * digit + style.
DIGIT_STYLES: Tuple[str, ...] = (
    'white_on_black',
    'black_on_white',
    'red_on_black',
    'green_on_black',
    'blue_on_black',
    'yellow_on_blue',
    'cyan_on_red',
    'magenta_on_green',
    'white_on_grey',
    'orange_on_navy',
)
CIFAR100_DIGIT_CLASSES: Tuple[str, ...] = tuple(
    f'{d}_{style}' for d in range(10) for style in DIGIT_STYLES
)

# The command that writes the digits (``--out`` is the folder above the data_root).
REGENERATE = 'python tools/data/make_demo_data.py'


class _EmbeddedCIFAR:
    """Reads the digits written by :mod:`mmkd.demo_data.digits`.

    Why not mmpretrain's own parsing: it ``pickle.loads`` every batch file, and a pickle runs
    whatever code it names, so a file planted in ``data_root`` would execute. The generators
    write ``.npz`` arrays instead, read here with ``allow_pickle=False`` (numpy then refuses
    pickled content, object arrays included). What the dataset yields is mmpretrain's CIFAR
    (same classes and metainfo, ``img`` HxWx3 uint8 RGB, ``gt_label`` int); files of the old
    pickle layout are refused, never opened.
    """

    base_folder: str
    legacy_folder: str
    legacy_files: Tuple[str, ...]
    default_root_name: str

    def __init__(
        self, data_root: str = '', split: str = 'train', download: bool = False, **kwargs
    ) -> None:
        if download:
            raise ValueError(f'embedded data is generated, not downloaded: {REGENERATE}')
        super().__init__(data_root=data_root, split=split, download=False, **kwargs)

    def _check_integrity(self) -> bool:
        return all(exists(self._split_path(split)) for split in ('train', 'test'))

    def _split_path(self, split: str) -> str:
        return join_path(self.data_prefix['root'], self.base_folder, f'{split}.npz')

    def _regenerate(self) -> str:
        """The command that rewrites this data_root (``--out`` is the folder above it)."""
        parent, name = osp.split(osp.normpath(self.data_prefix['root']))
        command = f'{REGENERATE} --only cls --force --out {parent or "."}'
        if name == self.default_root_name:
            return command
        return f'{command} and set data_root to {osp.join(parent, self.default_root_name)}'

    def load_data_list(self) -> List[dict]:
        path = self._split_path(self.split)
        if not exists(path):
            legacy = join_path(self.data_prefix['root'], self.legacy_folder)
            if any(exists(join_path(legacy, name)) for name in self.legacy_files):
                raise ConfigError(
                    f'{legacy} holds the old pickle layout of the embedded digits, which mmkd no '
                    f'longer reads (unpickling a file can run code): regenerate the data with '
                    f'`{self._regenerate()}`.'
                )
            raise ConfigError(
                f'no embedded digits at {path}: generate them with `{self._regenerate()}`.'
            )
        arrays = self._read_arrays(path)
        if self.CLASSES is None:  # as mmpretrain: classes from the file only if none are given
            self._metainfo['classes'] = tuple(arrays['classes'].tolist())
        return [
            {'img': img, 'gt_label': int(label)}
            for img, label in zip(arrays['images'], arrays['labels'])
        ]

    def _read_arrays(self, path: str) -> Dict[str, np.ndarray]:
        """The checked arrays of ``path``; anything else is one clear error, never unpickled."""

        def bad(problem: str) -> ConfigError:
            return ConfigError(
                f'{path} is not embedded digit data ({problem}); mmkd reads only '
                f'plain arrays, never pickles: regenerate it with '
                f'`{self._regenerate()}`.'
            )

        data = io.BytesIO(get(path))
        if not zipfile.is_zipfile(data):
            raise bad('not an .npz archive')
        try:
            with np.load(data, allow_pickle=False) as npz:
                arrays = {key: npz[key] for key in ('images', 'labels', 'classes')}
        except KeyError as err:
            raise bad(f'missing array {err}') from None
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
            raise bad(str(err).splitlines()[0] if str(err) else type(err).__name__) from None
        images, labels, classes = arrays['images'], arrays['labels'], arrays['classes']
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (32, 32, 3):
            raise bad(f'images must be (N, 32, 32, 3) uint8, got {images.shape} {images.dtype}')
        if labels.dtype.kind not in 'iu' or labels.shape != images.shape[:1]:
            raise bad(
                f'labels must be {images.shape[:1]} integers, got {labels.shape} {labels.dtype}'
            )
        if classes.dtype.kind != 'U' or classes.ndim != 1:
            raise bad('classes must be a 1-d array of names')
        if len(labels) and not 0 <= labels.min() <= labels.max() < len(classes):
            raise bad(f'labels outside [0, {len(classes)})')
        return arrays


@DATASETS.register_module()
class CIFAR10Embedded(_EmbeddedCIFAR, CIFAR10):
    """mmpretrain's :class:`CIFAR10` on the real sklearn digits of
    :func:`mmkd.demo_data.generate_digits_cifar10` (``cifar-10-npz/{train,test}.npz``), read
    without pickle."""

    base_folder = 'cifar-10-npz'
    legacy_folder = 'cifar-10-batches-py'
    legacy_files = (
        'data_batch_1',
        'data_batch_2',
        'data_batch_3',
        'data_batch_4',
        'data_batch_5',
        'test_batch',
        'batches.meta',
    )
    default_root_name = 'digits_cifar10'
    METAINFO = {'classes': DIGIT_CLASSES}


@DATASETS.register_module()
class CIFAR100Embedded(_EmbeddedCIFAR, CIFAR100):
    """mmpretrain's :class:`CIFAR100` on the 100 digit-style classes of
    :func:`mmkd.demo_data.generate_digits_cifar100` (``cifar-100-npz/{train,test}.npz``,
    gt_label = fine label), read without pickle."""

    base_folder = 'cifar-100-npz'
    legacy_folder = 'cifar-100-python'
    legacy_files = ('train', 'test', 'meta')
    default_root_name = 'digits_cifar100'
    METAINFO = {'classes': CIFAR100_DIGIT_CLASSES}
