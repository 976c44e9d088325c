"""tools/test.py --show-dir / --out for segmentation, depth and classification, plain models,
distilled students and teachers."""

import glob
import json
import os.path as osp
import sys

import cv2

from .conftest import save_untrained
from .test_tools import CFG, SEG_KD, data_options, iter_options, run_tool

DEPTH_STUDENT = f'{CFG}/models/depth_psp-r18w8_demo-600it_embedded-nyu.py'
CLS_STUDENT = f'{CFG}/models/cls_resnet8_demo-15e_embedded-digits.py'


def decoded(paths):
    images = [cv2.imread(p) for p in paths]
    assert images and all(i is not None and i.size for i in images), paths
    return images


def run_test_tool(config, checkpoint, work, options, *extra):
    return run_tool(
        [
            sys.executable,
            'tools/test.py',
            config,
            *([checkpoint] if checkpoint else []),
            '--work-dir',
            f'{work}/test',
            *extra,
            '--cfg-options',
            *options,
        ]
    )


def test_seg_student_show_dir_and_out(seg_kd_run, tmp_path):
    """The distilled student of conftest.py's shared run (outputs go to this test's folder)."""
    work, options = str(tmp_path), seg_kd_run['kd_options']
    run_test_tool(
        SEG_KD,
        f'{seg_kd_run["work"]}/kd/iter_4.pth',
        work,
        options,
        '--show-dir',
        f'{work}/vis',
        '--out',
        f'{work}/pred',
    )
    pictures = sorted(glob.glob(f'{work}/vis/**/*.png', recursive=True))
    assert len(pictures) == 4  # every val image (4 in the test data)
    assert decoded(pictures)[0].shape[:2] == (64, 256)  # ground truth | prediction, 64x128 each
    labels = sorted(glob.glob(f'{work}/pred/*.png'))
    assert len(labels) == 4 and decoded(labels)[0].shape[:2] == (64, 128)


def test_seg_teacher_show_dir(seg_kd_run, tmp_path):
    work, options = str(tmp_path), seg_kd_run['kd_options']
    run_test_tool(SEG_KD, None, work, options, '--teacher', '--show-dir', f'{work}/vis_teacher')
    assert len(glob.glob(f'{work}/vis_teacher/**/*.png', recursive=True)) == 4


def test_depth_show_dir_has_a_colour_bar_and_out_writes_maps(data_root, tmp_path):
    """A plain model (untrained: what is drawn is tested, not the training)."""
    options = data_options(data_root, 'nyu') + iter_options(2)
    run_test_tool(
        DEPTH_STUDENT,
        save_untrained(DEPTH_STUDENT, f'{tmp_path}/model.pth'),
        str(tmp_path),
        options,
        '--show-dir',
        f'{tmp_path}/vis',
        '--out',
        f'{tmp_path}/pred',
    )
    pictures = sorted(glob.glob(f'{tmp_path}/vis/*.png'))
    assert len(pictures) == 4
    height, width = decoded(pictures)[0].shape[:2]
    assert width > 2.5 * height  # input | ground truth | prediction + colour bar, in one row
    assert len(glob.glob(f'{tmp_path}/pred/*.png')) == 4


def test_cls_show_dir_and_json_out(data_root, tmp_path):
    options = data_options(data_root, 'digits_cifar10') + ['test_dataloader.dataset.indices=6']
    run_test_tool(  # a plain model, untrained (what is drawn is tested, not the training)
        CLS_STUDENT,
        save_untrained(CLS_STUDENT, f'{tmp_path}/model.pth'),
        str(tmp_path),
        options,
        '--show-dir',
        f'{tmp_path}/vis',
        '--out',
        f'{tmp_path}/pred.json',
    )
    pictures = decoded(glob.glob(f'{tmp_path}/vis/**/*.png', recursive=True))
    assert len(pictures) == 6 and min(pictures[0].shape[:2]) == 224  # readable text
    predictions = json.load(open(f'{tmp_path}/pred.json'))
    assert len(predictions) == 6 and osp.getsize(f'{tmp_path}/pred.json') > 0
    assert all(len(p['pred_score']) == 10 and p['pred_label'][0] in range(10) for p in predictions)
