"""Faulty data ends in one line naming the dataset or the file and the fix, before anything is
trained (issue #11, item 5): a missing data root, an empty dataset, a corrupt image or label map,
and label values the model has no class for."""

import glob
import os
import os.path as osp
import shutil
import sys

import cv2
import pytest

from tests.test_reliability.conftest import (
    SEG_TEACHER,
    assert_one_line_error,
    data_options,
    iter_options,
    run_tool,
    save_untrained,
    train,
)


def copy_cityscapes(data_root: str, tmp_path) -> str:
    root = str(tmp_path / 'cityscapes')
    shutil.copytree(osp.join(data_root, 'cityscapes'), root)
    return root


def first(pattern: str) -> str:
    return sorted(glob.glob(pattern, recursive=True))[0]


def train_seg(root: str, work_dir: str, *options: str, batch: int = 8):
    """Two iterations of the plain segmentation model; batches of 8 hold every train image."""
    return train(
        SEG_TEACHER,
        work_dir,
        data_options(osp.dirname(root), osp.basename(root))
        + iter_options(2, batch=batch)
        + list(options),
        expect_ok=False,
    )


def no_checkpoint(work_dir: str) -> bool:
    return not glob.glob(osp.join(work_dir, '**', '*.pth'), recursive=True)


def test_missing_data_root_is_named_with_the_fix(tmp_path):
    work_dir = str(tmp_path / 'work')
    proc = train_seg(str(tmp_path / 'nowhere' / 'cityscapes'), work_dir)
    assert_one_line_error(
        proc,
        'train_dataloader.dataset:',
        f'{tmp_path}/nowhere/cityscapes does not exist',
        'python tools/data/make_demo_data.py',
        'train_dataloader.dataset.data_root=PATH',
    )
    assert no_checkpoint(work_dir)


def test_missing_split_directory_is_named(data_root, tmp_path):
    root = copy_cityscapes(data_root, tmp_path)
    shutil.rmtree(osp.join(root, 'gtFine', 'val'))
    proc = train_seg(root, str(tmp_path / 'work'))
    assert_one_line_error(proc, 'val_dataloader.dataset:', f'{root}/gtFine/val does not exist')


def test_empty_dataset_is_named_with_its_root_and_the_fix(data_root, tmp_path):
    root = copy_cityscapes(data_root, tmp_path)
    for split_dir in ('leftImg8bit/train', 'gtFine/train'):
        shutil.rmtree(osp.join(root, split_dir))
        os.makedirs(osp.join(root, split_dir))
    work_dir = str(tmp_path / 'work')
    proc = train_seg(root, work_dir)
    assert_one_line_error(
        proc,
        f'train_dataloader.dataset: CityscapesDataset found no samples in {root}',
        'leftImg8bit/train',
        'make_demo_data.py',
    )
    assert no_checkpoint(work_dir)


@pytest.mark.parametrize(
    'which, pattern, workers',
    [
        ('image', 'leftImg8bit/train/**/*.png', 0),
        ('label map', 'gtFine/train/**/*.png', 1),  # raised in a worker process
    ],
)
def test_corrupt_file_is_named(which, pattern, workers, data_root, tmp_path):
    root = copy_cityscapes(data_root, tmp_path)
    corrupt = first(osp.join(root, pattern))
    with open(corrupt, 'wb') as f:
        f.write(b'this is no PNG' * 10)
    work_dir = str(tmp_path / 'work')
    proc = train_seg(root, work_dir, f'train_dataloader.num_workers={workers}')
    assert_one_line_error(
        proc,
        f'{corrupt}: not a readable image',
        f'({which} of CityscapesDataset sample',
        'Replace or regenerate the file',
    )
    assert no_checkpoint(work_dir)


def test_corrupt_image_in_the_test_set_is_named(data_root, tmp_path):
    root = copy_cityscapes(data_root, tmp_path)
    corrupt = first(osp.join(root, 'leftImg8bit/val/**/*.png'))
    with open(corrupt, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n truncated')
    checkpoint = save_untrained(SEG_TEACHER, str(tmp_path / 'model.pth'))
    proc = run_tool(
        [
            sys.executable,
            'tools/test.py',
            SEG_TEACHER,
            checkpoint,
            '--work-dir',
            str(tmp_path / 'test'),
            '--cfg-options',
            *data_options(osp.dirname(root), osp.basename(root)),
            'test_dataloader.batch_size=4',
        ],
        expect_ok=False,
    )
    assert_one_line_error(proc, f'{corrupt}: not a readable image', '(image of CityscapesDataset')


def test_label_value_out_of_range_names_file_and_value(data_root, tmp_path):
    root = copy_cityscapes(data_root, tmp_path)
    label_file = first(osp.join(root, 'gtFine/train/**/*.png'))
    label = cv2.imread(label_file, cv2.IMREAD_UNCHANGED)
    label[:4, :4] = 42  # the set has 19 classes (0..18) and 255 = ignore
    cv2.imwrite(label_file, label)
    work_dir = str(tmp_path / 'work')
    proc = train_seg(root, work_dir, 'train_dataloader.num_workers=1')  # checked in the worker
    assert_one_line_error(
        proc,
        f"{label_file}: label value(s) [42] outside the model's 19 classes (0..18, 255 = ignore)",
        'num_classes',
    )
    assert no_checkpoint(work_dir)


def test_label_check_accepts_ignore_index():
    """255 (ignore) and every class index pass; a class index beyond the head fails."""
    import torch
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    from mmkd.engine import DataError
    from mmkd.engine.data_checks import check_labels

    sample = SegDataSample(metainfo=dict(seg_map_path='a.png'))
    sample.gt_sem_seg = PixelData(data=torch.tensor([[[0, 18, 255]]]))
    check_labels(sample, num_classes=19, ignore_index=255)
    with pytest.raises(DataError, match=r'a.png: label value\(s\) \[18\]'):
        check_labels(sample, num_classes=18, ignore_index=255)


def test_worker_traceback_is_reduced_to_the_message():
    from mmkd.engine import DataError

    worker = DataError(
        'Caught DataError in DataLoader worker process 0.\nOriginal Traceback '
        '(most recent call last):\n  File "x.py", line 1\n'
        'mmkd.engine.data_checks.DataError: a.png: not a readable image\n'
    )
    assert str(worker) == 'a.png: not a readable image'
