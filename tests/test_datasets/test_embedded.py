"""The demo datasets: deterministic, stamped, and read by mmseg's / mmpretrain's own classes."""

import hashlib
import os
import os.path as osp
from typing import Callable, Dict

import numpy as np
import pytest
from mmengine.registry import DefaultScope
from mmpretrain.registry import DATASETS as PRETRAIN_DATASETS
from mmseg.datasets import CityscapesDataset, NYUDataset

from mmkd.datasets import CIFAR100_DIGIT_CLASSES, DIGIT_CLASSES, CIFAR10Embedded, CIFAR100Embedded
from mmkd.demo_data import (
    CITYSCAPES_USED_CLASSES,
    NYU_SCENES,
    STAMP_FILE,
    generate_cityscapes,
    generate_digits_cifar10,
    generate_digits_cifar100,
    generate_nyu,
    read_stamp,
)

SEG_TRAIN, SEG_VAL, NYU_TRAIN, NYU_TEST = 12, 3, 6, 2
GENERATORS: Dict[str, Callable] = {
    'cityscapes': lambda root, **kw: generate_cityscapes(root, SEG_TRAIN, SEG_VAL, **kw),
    'nyu': lambda root, **kw: generate_nyu(root, NYU_TRAIN, NYU_TEST, **kw),
    'cifar10': lambda root, **kw: generate_digits_cifar10(root, **kw),
    'cifar100': lambda root, **kw: generate_digits_cifar100(root, 1, 1, **kw),
}


def tree_digest(root: str) -> Dict[str, str]:
    """Relative path -> sha256 of every file under ``root``."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = osp.join(dirpath, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


@pytest.fixture(scope='module')
def data_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = str(tmp_path_factory.mktemp('demo'))
    for name, gen in GENERATORS.items():
        gen(osp.join(root, name))
    return root


@pytest.mark.parametrize('name', list(GENERATORS))
def test_generation_is_byte_for_byte_deterministic(name: str, data_root: str, tmp_path) -> None:
    GENERATORS[name](str(tmp_path / name))
    again = tree_digest(str(tmp_path / name))
    assert again == tree_digest(osp.join(data_root, name))
    assert STAMP_FILE in again and len(again) >= 3  # the stamp and at least two data files


def test_stamp_skips_and_force_or_new_params_regenerate(tmp_path) -> None:
    root = str(tmp_path / 'cityscapes')
    assert not generate_cityscapes(root, 4, 2).skipped
    img = osp.join(root, 'leftImg8bit', 'train', 'aachen', 'aachen_000000_000019_leftImg8bit.png')
    mtime = os.stat(img).st_mtime_ns
    report = generate_cityscapes(root, 4, 2)
    assert report.skipped and report.counts == dict(train=4, val=2)
    assert os.stat(img).st_mtime_ns == mtime
    assert not generate_cityscapes(root, 4, 2, force=True).skipped
    # New parameters regenerate, and files of the larger run do not linger.
    assert not generate_cityscapes(root, 2, 1).skipped
    assert read_stamp(root)['params']['num_train'] == 2
    assert len([f for f in tree_digest(root) if f.endswith('_leftImg8bit.png')]) == 3


def test_cityscapes_dataset_and_pipeline(data_root: str) -> None:
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs'),
    ]
    with DefaultScope.overwrite_default_scope('mmseg'):
        train = CityscapesDataset(
            data_root=osp.join(data_root, 'cityscapes'),
            pipeline=pipeline,
            data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        )
        val = CityscapesDataset(
            data_root=osp.join(data_root, 'cityscapes'),
            pipeline=pipeline,
            test_mode=True,
            data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        )
        assert (len(train), len(val)) == (SEG_TRAIN, SEG_VAL)
        counts = np.zeros(256, np.int64)
        for i in range(len(train)):
            item = train[i]
            assert tuple(item['inputs'].shape) == (3, 64, 128)
            seg = item['data_samples'].gt_sem_seg.data.numpy()
            assert seg.shape == (1, 64, 128)
            counts += np.bincount(seg.ravel(), minlength=256)
    present = set(np.flatnonzero(counts))
    assert present <= set(CITYSCAPES_USED_CLASSES) | {255}
    assert {0, 1, 2, 10, 13} <= present  # road, sidewalk, building, sky, car
    assert len(present - {255}) >= 7
    assert counts[255] < 0.05 * counts.sum()


def test_street_layout_prior(data_root: str) -> None:
    """Sky is found at the top and road at the bottom, as the generator promises."""
    with DefaultScope.overwrite_default_scope('mmseg'):
        ds = CityscapesDataset(
            data_root=osp.join(data_root, 'cityscapes'),
            pipeline=[dict(type='LoadAnnotations')],
            data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        )
        segs = np.stack([ds[i]['gt_seg_map'] for i in range(len(ds))])
    assert (segs[:, :8] == 10).mean() > 0.3 and (segs[:, -8:] == 10).mean() == 0
    assert (segs[:, -12:] == 0).mean() > 0.3 and (segs[:, :16] == 0).mean() == 0


def test_nyu_dataset_and_depth_pipeline(data_root: str) -> None:
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadDepthAnnotation', depth_rescale_factor=1e-3),
        dict(
            type='PackSegInputs',
            meta_keys=('img_path', 'depth_map_path', 'ori_shape', 'img_shape', 'category_id'),
        ),
    ]
    with DefaultScope.overwrite_default_scope('mmseg'):
        train = NYUDataset(
            data_root=osp.join(data_root, 'nyu'),
            pipeline=pipeline,
            data_prefix=dict(img_path='images/train', depth_map_path='annotations/train'),
        )
        test = NYUDataset(
            data_root=osp.join(data_root, 'nyu'),
            pipeline=pipeline,
            test_mode=True,
            data_prefix=dict(img_path='images/test', depth_map_path='annotations/test'),
        )
        assert (len(train), len(test)) == (NYU_TRAIN, NYU_TEST)
        depths = []
        for i in range(len(train)):
            item = train[i]
            sample = item['data_samples']
            assert tuple(item['inputs'].shape) == (3, 96, 128)
            scene = NYU_SCENES[sample.category_id]
            assert osp.basename(sample.img_path).startswith(scene + '_')
            depths.append(sample.gt_depth_map.data.numpy())
    depth = np.stack(depths)
    assert depth.shape == (NYU_TRAIN, 1, 96, 128)
    valid = depth[depth > 0]
    assert 0 < (depth == 0).mean() < 0.02  # a few Kinect-like holes
    assert valid.min() >= 0.5 and valid.max() <= 10.0
    assert valid.max() - valid.min() > 2.0  # near and far surfaces in the same split


def test_cifar10_embedded_reads_digits(data_root: str) -> None:
    root = osp.join(data_root, 'cifar10')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        train = PRETRAIN_DATASETS.build(
            dict(
                type='mmkd.CIFAR10Embedded',
                data_root=root,
                split='train',
                pipeline=[dict(type='PackInputs')],
            )
        )
        test = CIFAR10Embedded(data_root=root, split='test', test_mode=True)
        assert isinstance(train, CIFAR10Embedded)
        item = train[0]
    assert len(train) + len(test) == 1797 and abs(len(test) / 1797 - 0.2) < 0.01
    assert tuple(item['inputs'].shape) == (3, 32, 32)
    assert train.CLASSES == DIGIT_CLASSES
    for ds in (train, test):
        labels = np.array([ds.get_data_info(i)['gt_label'] for i in range(len(ds))])
        share = np.bincount(labels, minlength=10) / len(labels)
        assert share.min() > 0.08 and share.max() < 0.12  # stratified
    img = test.get_data_info(0)['img']
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8 and img.max() > 200
    assert (img[..., 0] == img[..., 2]).all()  # grey ink replicated to RGB


def test_cifar10_validation_copy_holds_out_training_images_only(tmp_path) -> None:
    generate_digits_cifar10(str(tmp_path / 'full'))
    generate_digits_cifar10(str(tmp_path / 'val'), validation=True)

    def images(root: str, split: str) -> set:
        data = CIFAR10Embedded(data_root=str(tmp_path / root), split=split, test_mode=True)
        return {data.get_data_info(i)['img'].tobytes() for i in range(len(data))}

    train, test = images('full', 'train'), images('full', 'test')
    fit, held_out = images('val', 'train'), images('val', 'test')
    assert fit | held_out == train and not fit & held_out  # the training images, split again
    assert not held_out & test and not fit & test  # the real test images never appear
    assert abs(len(held_out) / len(train) - 0.2) < 0.01


def test_cifar100_embedded_reads_digit_styles(data_root: str) -> None:
    root = osp.join(data_root, 'cifar100')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        train = PRETRAIN_DATASETS.build(
            dict(
                type='mmkd.CIFAR100Embedded',
                data_root=root,
                split='train',
                pipeline=[dict(type='PackInputs')],
            )
        )
        test = CIFAR100Embedded(data_root=root, split='test')
        item = train[0]
    assert (len(train), len(test)) == (100, 100)
    assert tuple(item['inputs'].shape) == (3, 32, 32)
    assert len(train.CLASSES) == 100 and train.CLASSES == CIFAR100_DIGIT_CLASSES
    labels = sorted(train.get_data_info(i)['gt_label'] for i in range(len(train)))
    assert labels == list(range(100))


def test_train_label_jitter_moves_only_train_boundaries(tmp_path):
    import glob

    import cv2
    import numpy as np

    generate_cityscapes(str(tmp_path / 'clean'), num_train=4, num_val=2)
    generate_cityscapes(str(tmp_path / 'noisy'), num_train=4, num_val=2, train_label_jitter=3.0)

    def read(kind: str, pattern: str):
        return [
            cv2.imread(p, cv2.IMREAD_UNCHANGED)
            for p in sorted(glob.glob(str(tmp_path / kind / pattern), recursive=True))
        ]

    for pattern in ('leftImg8bit/**/*.png', 'gtFine/val/**/*.png'):
        assert all(
            np.array_equal(a, b) for a, b in zip(read('clean', pattern), read('noisy', pattern))
        )
    changed = [
        float((a != b).mean())
        for a, b in zip(
            read('clean', 'gtFine/train/**/*.png'), read('noisy', 'gtFine/train/**/*.png')
        )
    ]
    assert len(changed) == 4 and all(0.0 < c < 0.3 for c in changed)  # boundaries, not regions
    for a, b in zip(read('clean', 'gtFine/train/**/*.png'), read('noisy', 'gtFine/train/**/*.png')):
        assert set(np.unique(b)) <= set(np.unique(a))  # no new classes appear


def test_unannotated_extra_frames_are_new_images_with_ignore_labels(tmp_path):
    import glob

    import cv2
    import numpy as np

    generate_cityscapes(str(tmp_path / 'plain'), num_train=3, num_val=2)
    report = generate_cityscapes(str(tmp_path / 'extra'), num_train=3, num_val=2, num_extra=3)
    assert report.counts == dict(train=3, val=2, train_extra=3)

    def read(kind: str, pattern: str):
        return [
            cv2.imread(p, cv2.IMREAD_UNCHANGED)
            for p in sorted(glob.glob(str(tmp_path / kind / pattern), recursive=True))
        ]

    for pattern in ('leftImg8bit/train/**/*.png', 'gtFine/train/**/*.png'):  # train unchanged
        assert all(
            np.array_equal(a, b) for a, b in zip(read('plain', pattern), read('extra', pattern))
        )
    extra_imgs = read('extra', 'leftImg8bit/train_extra/**/*.png')
    extra_labels = read('extra', 'gtFine/train_extra/**/*.png')
    assert len(extra_imgs) == len(extra_labels) == 3
    assert all((label == 255).all() for label in extra_labels)
    train_imgs = read('plain', 'leftImg8bit/train/**/*.png')
    assert not any(np.array_equal(e, t) for e in extra_imgs for t in train_imgs)
