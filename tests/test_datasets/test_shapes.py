"""The hard segmentation demo data (shapes scenes): deterministic, read by mmseg's own
CityscapesDataset, balanced, and with classes that colour cannot tell apart."""

import hashlib
import os
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np
import pytest
from mmengine.registry import DefaultScope
from mmseg.datasets import CityscapesDataset

from mmkd.demo_data import SHAPES_CLASSES, STAMP_FILE, generate_shapes, render_shapes_scene
from mmkd.demo_data.common import item_rng
from mmkd.demo_data.shapes import (
    BACKGROUND,
    DISC,
    ENCLOSED,
    FRAME,
    HOLLOW_TRIANGLE,
    RING,
    SQUARE,
    TRIANGLE,
    shape_mask,
)

NUM_TRAIN, NUM_VAL = 6, 3
OBJECT_CLASSES = [c for c in SHAPES_CLASSES if c != BACKGROUND]


def tree_digest(root: str) -> Dict[str, str]:
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            with open(osp.join(dirpath, name), 'rb') as f:
                out[osp.relpath(osp.join(dirpath, name), root)] = hashlib.sha256(
                    f.read()
                ).hexdigest()
    return out


@pytest.fixture(scope='module')
def scenes() -> List[Tuple[np.ndarray, np.ndarray]]:
    """Enough scenes for class statistics (rendered in memory, no files)."""
    return [render_shapes_scene(item_rng(0, 'train', i)) for i in range(150)]


def test_generation_is_deterministic_and_seeded(tmp_path) -> None:
    generate_shapes(str(tmp_path / 'a'), NUM_TRAIN, NUM_VAL)
    generate_shapes(str(tmp_path / 'b'), NUM_TRAIN, NUM_VAL)
    generate_shapes(str(tmp_path / 'c'), NUM_TRAIN, NUM_VAL, seed=1)
    a, b, c = (tree_digest(str(tmp_path / n)) for n in 'abc')
    assert a == b and STAMP_FILE in a
    assert len(a) == 2 * (NUM_TRAIN + NUM_VAL) + 1
    assert set(a) == set(c)  # same file names, other pictures
    assert sum(a[k] != c[k] for k in a if k != STAMP_FILE) == 2 * (NUM_TRAIN + NUM_VAL)
    assert generate_shapes(str(tmp_path / 'a'), NUM_TRAIN, NUM_VAL).skipped


def test_cityscapes_dataset_reads_the_shapes(tmp_path) -> None:
    root = str(tmp_path / 'shapes')
    generate_shapes(root, NUM_TRAIN, NUM_VAL)
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs'),
    ]
    with DefaultScope.overwrite_default_scope('mmseg'):
        for split, num in (('train', NUM_TRAIN), ('val', NUM_VAL)):
            ds = CityscapesDataset(
                data_root=root,
                pipeline=pipeline,
                data_prefix=dict(img_path=f'leftImg8bit/{split}', seg_map_path=f'gtFine/{split}'),
            )
            assert len(ds) == num
            for i in range(num):
                item = ds[i]
                assert tuple(item['inputs'].shape) == (3, 64, 64)
                seg = item['data_samples'].gt_sem_seg.data.numpy()
                assert seg.shape == (1, 64, 64)
                assert set(np.unique(seg)) <= set(SHAPES_CLASSES)
                assert (seg != BACKGROUND).any()


def test_every_class_occurs_and_none_is_negligible(scenes) -> None:
    labels = np.stack([label for _, label in scenes])
    share = np.bincount(labels.ravel(), minlength=256)[: len(SHAPES_CLASSES)] / labels.size
    assert share.sum() == 1.0  # no ignore, no trainId outside the shapes classes
    assert 0.6 < share[BACKGROUND] < 0.9
    objects = share[OBJECT_CLASSES]
    assert objects.min() > 0.005 and objects.max() / objects.min() < 8
    in_images = np.array([[(label == c).any() for c in OBJECT_CLASSES] for label in labels])
    assert in_images.mean(0).min() > 0.3  # every class in a good part of the images


def test_colour_does_not_tell_the_classes_apart(scenes) -> None:
    """Per-class mean colours differ by far less than the colour spread inside a class."""
    pixels = {c: [] for c in SHAPES_CLASSES}
    for img, label in scenes:
        for c in SHAPES_CLASSES:
            pixels[c].append(img[label == c].astype(np.float64))
    pixels = {c: np.concatenate(p) for c, p in pixels.items()}
    means = np.stack([pixels[c].mean(0) for c in SHAPES_CLASSES])
    spread = np.mean([pixels[c].std(0).mean() for c in SHAPES_CLASSES])
    assert spread > 45  # all colours, not one per class
    assert np.abs(means - means.mean(0)).max() < 0.3 * spread


def test_enclosed_is_defined_by_its_surroundings(scenes) -> None:
    """Enclosed pixels have a hollow shape on all four sides (unless a later object covers it);
    pixels of the free filled shapes, which look the same, almost never do."""

    def surrounded(label: np.ndarray, cls: int) -> Tuple[int, int]:
        hollow = np.isin(label, (RING, FRAME, HOLLOW_TRIANGLE))
        ys, xs = np.nonzero(label == cls)
        hits = sum(
            hollow[y, :x].any()
            and hollow[y, x:].any()
            and hollow[:y, x].any()
            and hollow[y:, x].any()
            for y, x in zip(ys, xs)
        )
        return hits, len(ys)

    limits = {ENCLOSED: (0.5, 1.0), DISC: (0, 0.1), SQUARE: (0, 0.1), TRIANGLE: (0, 0.1)}
    for cls, (lo, hi) in limits.items():
        hits, total = map(sum, zip(*(surrounded(label, cls) for _, label in scenes)))
        assert total > 0 and lo <= hits / total <= hi, (SHAPES_CLASSES[cls], hits / total)


@pytest.mark.parametrize(
    'kind, area', [('circle', np.pi), ('square', 2.0), ('triangle', 3 * np.sqrt(3) / 4)]
)
def test_shape_masks_have_their_area_and_hollow_ones_sit_on_the_outline(kind, area) -> None:
    radius = 30.0
    filled = shape_mask((96, 96), kind, 48, 48, radius, 0.3)
    hollow = shape_mask((96, 96), kind, 48, 48, radius, 0.3, stroke=4)
    # fillPoly draws the boundary pixels too: polygons come out about half a pixel larger
    assert filled.sum() == pytest.approx(area * radius**2, rel=0.08)
    assert hollow.any() and not (hollow & ~filled).any()
    assert not hollow[48, 48] and filled[48, 48]
