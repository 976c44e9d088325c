"""scikit-learn's REAL handwritten digits as CIFAR-10 / CIFAR-100 style ``.npz`` arrays.

CIFAR's own files are pickles, which run code when loaded, so the digits are written as plain
arrays that :class:`mmkd.datasets.CIFAR10Embedded` / :class:`~mmkd.datasets.CIFAR100Embedded`
read with ``allow_pickle=False``.
"""

import io
import os
import os.path as osp
import zipfile
from typing import Dict, List, Tuple

import cv2
import numpy as np

from mmkd.datasets.cifar import (
    CIFAR100_DIGIT_CLASSES,
    DIGIT_CLASSES,
    DIGIT_STYLES,
    CIFAR10Embedded,
    CIFAR100Embedded,
)

from .common import SPLIT_CODES, GenerationReport, write_dataset

RGB = Tuple[int, int, int]
# (ink, background) colours of each of :data:`DIGIT_STYLES`.
_STYLE_COLOURS: Dict[str, Tuple[RGB, RGB]] = {
    'white_on_black': ((255, 255, 255), (0, 0, 0)),
    'black_on_white': ((0, 0, 0), (255, 255, 255)),
    'red_on_black': ((230, 30, 30), (0, 0, 0)),
    'green_on_black': ((30, 220, 30), (0, 0, 0)),
    'blue_on_black': ((40, 60, 255), (0, 0, 0)),
    'yellow_on_blue': ((250, 230, 40), (20, 30, 140)),
    'cyan_on_red': ((40, 230, 230), (150, 20, 20)),
    'magenta_on_green': ((230, 40, 220), (20, 110, 30)),
    'white_on_grey': ((255, 255, 255), (110, 110, 110)),
    'orange_on_navy': ((250, 150, 30), (10, 20, 70)),
}
# Coarse label = fine // 5 (5 fine per coarse, as in CIFAR-100).
CIFAR100_DIGIT_COARSE: Tuple[str, ...] = tuple(
    f'{d}_{group}' for d in range(10) for group in ('plain', 'two_tone')
)


def load_digits_32() -> Tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 real 8x8 handwritten digits, as (N, 32, 32) uint8 ink and labels."""
    # Imported here: scikit-learn is only needed when the digits are generated.
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = (digits.images * (255.0 / 16.0)).astype(np.float32)
    big = np.stack([cv2.resize(im, (32, 32), interpolation=cv2.INTER_CUBIC) for im in small])
    return np.clip(np.rint(big), 0, 255).astype(np.uint8), digits.target.astype(np.int64)


def stratified_split(
    labels: np.ndarray, test_fraction: float, seed: int
) -> Tuple[np.ndarray, np.ndarray]:
    """Per-class random split (sorted indices), so both splits keep the class proportions."""
    rng = np.random.default_rng([seed, 7])
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_test = int(round(len(idx) * test_fraction))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def write_npz(path: str, arrays: Dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an ``.npz`` that ``np.load(allow_pickle=False)`` reads, byte-for-byte
    reproducibly: ``np.savez`` stamps every member with the current time, this writer with a
    fixed one. Object arrays (which would be pickled) are refused."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            member = zipfile.ZipInfo(f'{key}.npy', date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, buffer.getvalue())


def generate_digits_cifar10(
    root: str,
    test_fraction: float = 0.2,
    seed: int = 0,
    force: bool = False,
    validation: bool = False,
) -> GenerationReport:
    """Write ``cifar-10-npz/{train,test}.npz`` with the real sklearn digits (grey ink replicated
    to RGB, 8x8 upsampled to 32x32), stratified split: ``images`` (N, 32, 32, 3) uint8,
    ``labels`` (N,) int64 and the ``classes``, no pickled object anywhere.
    Read them with :class:`CIFAR10Embedded` (``type='mmkd.CIFAR10Embedded'``).

    ``validation=True`` writes a model-selection copy: the *training* split alone, split again
    (same fraction) into ``train`` and a held-out ``test`` file, so settings are chosen without
    looking at the real test images."""
    params = dict(test_fraction=test_fraction, seed=seed, validation=validation)
    folder = osp.join(root, CIFAR10Embedded.base_folder)

    def write() -> Dict[str, int]:
        images, labels = load_digits_32()
        rgb = np.repeat(images[..., None], 3, axis=-1)
        train, test = stratified_split(labels, test_fraction, seed)
        if validation:  # the real test images are never written
            kept, held_out = stratified_split(labels[train], test_fraction, seed + 1)
            train, test = train[kept], train[held_out]
        splits = dict(train=train, test=test)
        for split, idx in splits.items():
            write_npz(
                osp.join(folder, f'{split}.npz'),
                dict(images=rgb[idx], labels=labels[idx], classes=np.array(DIGIT_CLASSES)),
            )
        return {split: len(idx) for split, idx in splits.items()}

    return write_dataset(
        'digits_cifar10_val' if validation else 'digits_cifar10',
        root,
        params,
        (CIFAR10Embedded.base_folder, CIFAR10Embedded.legacy_folder),
        force,
        write,
    )


def stylise_digit(rng: np.random.Generator, ink: np.ndarray, style: int) -> np.ndarray:
    """Colour a (32, 32) ink image with style ``style`` (foreground/background colours) and
    shift it by up to 2 px, giving one of 10 visually distinct variants of the digit."""
    fg, bg = _STYLE_COLOURS[DIGIT_STYLES[style]]
    a = np.roll(ink.astype(np.float32) / 255.0, tuple(rng.integers(-2, 3, 2)), axis=(0, 1))
    img = a[..., None] * np.array(fg, np.float32) + (1 - a[..., None]) * np.array(bg, np.float32)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def _cifar100_split(
    rng: np.random.Generator, ink: np.ndarray, labels: np.ndarray, pool: np.ndarray, per_class: int
) -> Tuple[np.ndarray, List[int]]:
    images, fine = [], []
    for d in range(10):
        candidates = pool[labels[pool] == d]
        picks = rng.choice(
            candidates, size=10 * per_class, replace=len(candidates) < 10 * per_class
        )
        for k, src in enumerate(picks):
            style = k // per_class
            images.append(stylise_digit(rng, ink[src], style))
            fine.append(10 * d + style)
    return np.stack(images), fine


def generate_digits_cifar100(
    root: str,
    num_train_per_class: int = 5,
    num_test_per_class: int = 2,
    test_fraction: float = 0.2,
    seed: int = 0,
    force: bool = False,
) -> GenerationReport:
    """Write ``cifar-100-npz/{train,test}.npz``: 100 classes = 10 real digits x 10 colour styles
    (``labels`` = fine label ``10 * digit + style``, ``coarse_labels`` = ``fine // 5``), test
    images drawn from the held-out digits of the CIFAR-10 split. Read with
    :class:`CIFAR100Embedded`."""
    params = dict(
        num_train_per_class=num_train_per_class,
        num_test_per_class=num_test_per_class,
        test_fraction=test_fraction,
        seed=seed,
    )
    folder = osp.join(root, CIFAR100Embedded.base_folder)
    counts = dict(train=100 * num_train_per_class, test=100 * num_test_per_class)

    def write() -> Dict[str, int]:
        ink, labels = load_digits_32()
        pools = dict(zip(('train', 'test'), stratified_split(labels, test_fraction, seed)))
        for split, per_class in (('train', num_train_per_class), ('test', num_test_per_class)):
            rng = np.random.default_rng([seed, SPLIT_CODES[split], 100])
            images, fine = _cifar100_split(rng, ink, labels, pools[split], per_class)
            fine = np.array(fine, dtype=np.int64)
            write_npz(
                osp.join(folder, f'{split}.npz'),
                dict(
                    images=images,
                    labels=fine,
                    coarse_labels=fine // 5,
                    classes=np.array(CIFAR100_DIGIT_CLASSES),
                    coarse_classes=np.array(CIFAR100_DIGIT_COARSE),
                ),
            )
        return counts

    return write_dataset(
        'digits_cifar100',
        root,
        params,
        (CIFAR100Embedded.base_folder, CIFAR100Embedded.legacy_folder),
        force,
        write,
    )
