"""What every demo-data generator shares: per-item seeding, the stamp that makes a generator skip
data that is already up to date, and image writing with fixed encoder settings."""

import json
import os
import os.path as osp
import shutil
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

GENERATOR_VERSION = 2  # 2: the digits as .npz arrays instead of CIFAR's pickles
STAMP_FILE = '.mmkd_demo_data.json'
# The generator's name in the stamp: the module the generators lived in when the stamps were first
# written. Kept, so data generated before the move stays 'up to date' and stays byte-identical.
STAMP_GENERATOR = 'mmkd.datasets.embedded'

PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 3]
JPG_PARAMS = [cv2.IMWRITE_JPEG_QUALITY, 95]
SPLIT_CODES = {'train': 0, 'val': 1, 'test': 2, 'train_extra': 3}


@dataclass
class GenerationReport:
    """What a generator did, for the CLI to print."""

    name: str
    root: str
    skipped: bool
    counts: Dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def __str__(self) -> str:
        sizes = ', '.join(f'{n} {split}' for split, n in self.counts.items())
        if self.skipped:
            return f'{self.name}: up to date at {self.root} ({sizes}); use --force to regenerate'
        return f'{self.name}: wrote {sizes} to {self.root} in {self.seconds:.1f} s'


def item_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """One independent generator per item, so items do not depend on the dataset size."""
    return np.random.default_rng([seed, SPLIT_CODES[split], index])


def _stamp_key(name: str, params: dict) -> dict:
    """What identifies a generated dataset: generator, version and parameters."""
    return dict(generator=STAMP_GENERATOR, dataset=name, version=GENERATOR_VERSION, params=params)


def read_stamp(root: str) -> Optional[dict]:
    """The stamp in ``root``, or None if there is none (never generated, or interrupted)."""
    path = osp.join(root, STAMP_FILE)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def is_up_to_date(root: str, name: str, params: dict) -> bool:
    """True if ``root`` holds a stamp written by the same generator version and parameters."""
    stamp = read_stamp(root)
    return stamp is not None and {
        k: stamp.get(k) for k in ('generator', 'dataset', 'version', 'params')
    } == _stamp_key(name, params)


def _write_stamp(root: str, name: str, params: dict, counts: Dict[str, int]) -> None:
    # Written last: an interrupted run leaves no stamp and is redone next time.
    with open(osp.join(root, STAMP_FILE), 'w') as f:
        json.dump(dict(_stamp_key(name, params), counts=counts), f, indent=2)
        f.write('\n')


def _clear(root: str, subdirs: Sequence[str]) -> None:
    """Remove only what we generate, so shrinking a dataset leaves no stale files behind."""
    stamp = osp.join(root, STAMP_FILE)
    if osp.isfile(stamp):
        os.remove(stamp)
    for sub in subdirs:
        path = osp.join(root, sub)
        if osp.isdir(path):
            shutil.rmtree(path)


def write_dataset(
    name: str,
    root: str,
    params: dict,
    subdirs: Sequence[str],
    force: bool,
    write: Callable[[], Dict[str, int]],
) -> GenerationReport:
    """Skip if stamped with the same parameters, else clear, write (returns counts) and stamp."""
    if not force and is_up_to_date(root, name, params):
        return GenerationReport(name, root, skipped=True, counts=read_stamp(root)['counts'])
    start = time.perf_counter()
    os.makedirs(root, exist_ok=True)
    _clear(root, subdirs)
    counts = write()
    _write_stamp(root, name, params, counts)
    return GenerationReport(
        name, root, skipped=False, counts=counts, seconds=time.perf_counter() - start
    )


def imwrite(path: str, img: np.ndarray, params: List[int]) -> None:
    """Write with explicit encoder settings; colour images are given as RGB."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    if not cv2.imwrite(path, img, params):
        raise OSError(f'could not write {path}')


def write_cityscapes_pair(
    root: str, split: str, stem: str, img: np.ndarray, label: np.ndarray
) -> None:
    """One image and its trainId label in the Cityscapes layout mmseg's CityscapesDataset reads:
    ``leftImg8bit/<split>/<city>/<stem>_leftImg8bit.png`` and
    ``gtFine/<split>/<city>/<stem>_gtFine_labelTrainIds.png`` (the city: the stem's first part)."""
    city = stem.split('_')[0]
    imwrite(osp.join(root, 'leftImg8bit', split, city, f'{stem}_leftImg8bit.png'), img, PNG_PARAMS)
    label_name = f'{stem}_gtFine_labelTrainIds.png'
    imwrite(osp.join(root, 'gtFine', split, city, label_name), label, PNG_PARAMS)


def finish_image(
    rng: np.random.Generator,
    img: np.ndarray,
    noise: Tuple[float, float],
    brightness: Tuple[float, float],
) -> np.ndarray:
    """Global lighting, colour cast, sensor noise and slight blur, then quantise to uint8."""
    img = img * rng.uniform(*brightness) * rng.uniform(0.9, 1.1, 3).astype(np.float32)
    img = img + rng.normal(0.0, rng.uniform(*noise), img.shape).astype(np.float32)
    img = cv2.GaussianBlur(img, (3, 3), 0.6)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)
