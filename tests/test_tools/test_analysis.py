"""tools/analysis: compare panels, training curves and cost tables, on the embedded data."""

import glob
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

from mmkd.visualization import BROKEN, FIXED, change_map, per_class_iou, prediction_changes
from mmkd.visualization.compare import depth_range_errors

from .conftest import save_untrained
from .test_tools import CFG, ROOT, data_options, iter_options, run_tool, train

SEG_STUDENT = f'{CFG}/models/seg_pspnet-r18w8_demo-600it_embedded-cityscapes.py'
SEG_TEACHER = f'{CFG}/models/seg_pspnet-r18w32_demo-600it_embedded-cityscapes.py'
SEG_KD = f'{CFG}/kd/seg_kd_demo.py'


def png_size(path: str):
    """(width, height) of a PNG that decodes (cv2 returns None for a broken file)."""
    import cv2

    image = cv2.imread(path)
    assert image is not None and image.size > 0, f'{path} does not decode'
    return image.shape[1], image.shape[0]


# -- the change map, on predictions made by hand --------------------------------------------------
def test_change_map_marks_fixed_and_broken_pixels():
    gt = np.array([[0, 1, 2, 255]])
    alone = np.array([[0, 0, 2, 1]])  # right, wrong, right, (ignored)
    distilled = np.array([[0, 1, 1, 0]])  # right, right, wrong, (ignored)
    masks = prediction_changes(gt, alone, distilled)
    assert masks['both_right'].tolist() == [[True, False, False, False]]
    assert masks['fixed'].tolist() == [[False, True, False, False]]
    assert masks['broken'].tolist() == [[False, False, True, False]]
    assert masks['ignored'].tolist() == [[False, False, False, True]]
    rgb = change_map(gt, alone, distilled)
    assert tuple(rgb[0, 1]) == FIXED and tuple(rgb[0, 2]) == BROKEN
    with pytest.raises(ValueError, match='differ in size'):
        prediction_changes(gt, alone[:, :2], distilled)


def test_per_class_iou_by_hand():
    gt = [np.array([[0, 0, 1, 1]]), np.array([[1, 255]])]
    pred = [np.array([[0, 1, 1, 1]]), np.array([[0, 0]])]
    # class 0: intersect 1, union |pred 0| 2 + |gt 0| 2 - 1 = 3 -> 33.3; class 1: I 2, U 4+3-2 ...
    # pred 1 = 3 px, gt 1 = 3 px, both 2 -> union 4 -> 50; class 2 absent -> NaN
    iou = per_class_iou(pred, gt, num_classes=3)
    assert iou[0] == pytest.approx(100 / 3) and iou[1] == pytest.approx(50.0) and np.isnan(iou[2])


def test_depth_range_errors_by_hand():
    gt = [np.array([[0.0, 0.5, 1.5, 1.7]])]  # first pixel invalid
    pred = [np.array([[9.0, 1.0, 1.0, 2.0]])]
    errors, counts = depth_range_errors(pred, gt, edges=[0, 1, 2])
    assert counts.tolist() == [1, 2]
    assert errors.tolist() == pytest.approx([0.5, (0.5 + 0.3) / 2])


# -- the tools on tiny runs ---------------------------------------------------------------------
@pytest.fixture(scope='module')
def seg_runs(seg_kd_run, tmp_path_factory):
    """conftest.py's shared teacher (2 iterations) and distillation (4 iterations), read only,
    and a student trained alone for 2 iterations."""
    work = str(tmp_path_factory.mktemp('analysis'))
    train(SEG_STUDENT, f'{work}/alone', seg_kd_run['options'] + iter_options(2))
    return dict(
        work=work,
        teacher=f'{seg_kd_run["work"]}/teacher',
        kd=f'{seg_kd_run["work"]}/kd',
        alone=f'{work}/alone',
        options=seg_kd_run['options'] + iter_options(2),
        kd_options=seg_kd_run['kd_options'],
    )


def test_compare_writes_panels_and_iou_chart(seg_runs, tmp_path):
    out = f'{tmp_path}/compare'
    proc = run_tool(
        [
            sys.executable,
            'tools/analysis/compare.py',
            SEG_KD,
            f'{seg_runs["kd"]}/iter_4.pth',
            '--student-alone',
            SEG_STUDENT,
            f'{seg_runs["alone"]}/iter_2.pth',
            '--images',
            '2',
            '--out',
            out,
            '--cfg-options',
            *seg_runs['kd_options'],
        ]
    )
    written = sorted(os.listdir(out))
    assert written == ['panel_0.png', 'panel_1.png', 'per_class_iou.png'], proc.stdout
    width, height = png_size(f'{out}/panel_0.png')
    assert width == 960 and height > 300  # 12 in x 80 dpi, two rows of tiles
    assert png_size(f'{out}/per_class_iou.png')[1] == 400


def test_plot_logs_overlays_runs(seg_runs, tmp_path):
    kd, alone_dir = seg_runs['kd'], seg_runs['alone']
    out = str(tmp_path / 'curves.png')
    proc = run_tool([sys.executable, 'tools/analysis/plot_logs.py', kd, alone_dir, '--out', out])
    assert 'distill.loss_kd' in proc.stdout and 'mIoU' in proc.stdout
    assert png_size(out)[0] == 1500  # 3 panels of 5 in at 100 dpi

    sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
    import plot_logs

    run = plot_logs.read_run(kd)
    assert [x for x, _ in run.train['distill.loss_kd']] == [1.0, 2.0, 3.0, 4.0]
    assert [x for x, _ in run.val['mIoU']] == [4.0]
    # the student alone's task loss is drawn in the distilled student's panel
    alone = plot_logs.read_run(alone_dir)
    keys = plot_logs.default_keys([run, alone])
    assert 'student.decode.loss_ce' in keys and 'decode.loss_ce' not in keys
    assert plot_logs.series(alone.train, 'student.decode.loss_ce') == alone.train['decode.loss_ce']


def test_plot_logs_without_logs_says_so(tmp_path):
    proc = run_tool([sys.executable, 'tools/analysis/plot_logs.py', str(tmp_path)], expect_ok=False)
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr
    assert 'no training logs in' in proc.stderr


def test_plot_logs_unknown_key_hint(seg_runs, tmp_path):
    proc = run_tool(
        [
            sys.executable,
            'tools/analysis/plot_logs.py',
            seg_runs['kd'],
            '--keys',
            'distill.loss_kld',
            '--out',
            str(tmp_path / 'x.png'),
        ],
        expect_ok=False,
    )
    assert proc.returncode == 1 and "Did you mean: 'distill.loss_kd'" in proc.stderr


def test_cost_counts_the_models_parameters(tmp_path):
    out = str(tmp_path / 'cost.json')
    proc = run_tool(
        [
            sys.executable,
            'tools/analysis/cost.py',
            SEG_KD,
            '--shape',
            '64',
            '128',
            '--runs',
            '2',
            '--warmup',
            '1',
            '--out',
            out,
        ]
    )
    rows = {row['role']: row for row in json.load(open(out))}
    assert set(rows) == {'student', 'teacher'}
    cfg = Config.fromfile(SEG_KD)
    with DefaultScope.overwrite_default_scope('mmseg'):
        for role, model_cfg in (('student', cfg.model.student), ('teacher', cfg.model.teacher)):
            model = MODELS.build(model_cfg)
            assert rows[role]['params'] == sum(p.numel() for p in model.parameters())
    assert 0 < rows['student']['flops'] < rows['teacher']['flops']
    assert 'speed-up' in proc.stdout and rows['student']['images_per_s'] > 0


def test_tensorboard_logs_every_term(seg_runs, tmp_path):
    """The README's two-line config: every term reaches TensorBoard, scalars.json stays."""
    config = tmp_path / 'seg_kd_demo_tensorboard.py'
    config.write_text(
        f"_base_ = ['{SEG_KD}']\n"
        "visualizer = dict(vis_backends=[dict(type='LocalVisBackend'),\n"
        "                                dict(type='TensorboardVisBackend')])\n"
    )
    options = seg_runs['options'] + [f'model.teacher_ckpt={seg_runs["teacher"]}/iter_2.pth']
    train(str(config), f'{tmp_path}/run', options)
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = glob.glob(f'{tmp_path}/run/*/vis_data/events.out.tfevents.*')
    assert len(events) == 1
    accumulator = EventAccumulator(events[0])
    accumulator.Reload()
    tags = set(accumulator.Tags()['scalars'])
    assert {'distill.loss_kd', 'student.decode.loss_ce', 'loss', 'mIoU'} <= tags
    assert [e.step for e in accumulator.Scalars('distill.loss_kd')] == [1, 2]
    assert glob.glob(f'{tmp_path}/run/*/vis_data/scalars.json')


def test_demo_report_draws_panels_and_curves(seg_runs, tmp_path):
    """make demo's last step, on the tiny runs: panels of the distilled student vs alone, curves."""
    import argparse

    sys.path.insert(0, osp.join(ROOT, 'tools'))
    import demo

    runs = [
        demo.Run('teacher', SEG_TEACHER, 'teacher'),
        demo.Run('alone', SEG_STUDENT, 'alone'),
        demo.Run('kd', SEG_KD, 'kd', distills=True),
    ]
    finished = [
        (
            r,
            seg_runs[r.name],
            f'{seg_runs[r.name]}/iter_{4 if r.distills else 2}.pth',
            seg_runs['kd_options'] if r.distills else seg_runs['options'],
        )
        for r in runs
    ]
    task = demo.Task('seg', 'cityscapes', 'mIoU', None, runs)
    args = argparse.Namespace(work_dir=str(tmp_path))
    pictures = demo.write_report(task, finished, args, sys.executable)
    assert [osp.basename(p) for p in pictures] == [
        'curves.png',
        'panel_0.png',
        'panel_1.png',
        'panel_2.png',
        'per_class_iou.png',
    ]
    assert all(png_size(p)[0] > 0 for p in pictures)


@pytest.mark.parametrize('task', ['depth', 'cls'])
def test_compare_depth_and_classification(task, data_root, tmp_path):
    """Depth: error maps and the per-range chart; classification: titled images and the
    per-class accuracy chart (both with a student alone). The distilled student comes from a
    real distillation checkpoint; the teacher and the student alone are untrained checkpoints
    (what is drawn is tested here; the seg test above compares trained runs)."""
    if task == 'depth':
        teacher, alone = (
            f'{CFG}/models/depth_psp-r18w{w}_demo-600it_embedded-nyu.py' for w in (32, 8)
        )
        kd, options, last = (
            f'{CFG}/kd/depth_kd_demo.py',
            data_options(data_root, 'nyu') + iter_options(2),
            'iter_2.pth',
        )
        expected = ['depth_range_error.png', 'panel_0.png', 'panel_1.png']
    else:
        teacher, alone = (
            f'{CFG}/models/cls_resnet{d}_demo-15e_embedded-digits.py' for d in (20, 8)
        )
        kd, last = f'{CFG}/kd/cls_kd_demo.py', 'epoch_1.pth'
        options = data_options(data_root, 'digits_cifar10') + [
            'train_cfg.max_epochs=1',
            'train_dataloader.dataset.indices=8',
            'val_dataloader.dataset.indices=6',
            'train_dataloader.batch_size=8',
        ]
        expected = ['per_class_accuracy.png', 'predictions.png']
    work = str(tmp_path)
    kd_options = options + [f'model.teacher_ckpt={save_untrained(teacher, f"{work}/teacher.pth")}']
    train(kd, f'{work}/kd', kd_options)
    run_tool(
        [
            sys.executable,
            'tools/analysis/compare.py',
            kd,
            f'{work}/kd/{last}',
            '--student-alone',
            alone,
            save_untrained(alone, f'{work}/alone.pth'),
            '--images',
            '2',
            '--out',
            f'{work}/compare',
            '--cfg-options',
            *kd_options,
        ]
    )
    assert sorted(os.listdir(f'{work}/compare')) == expected
    assert all(png_size(f'{work}/compare/{name}')[0] > 300 for name in expected)


def test_compare_keeps_each_models_predictions_apart():
    """mmpretrain writes predictions into the batch's own data samples: each model must see a
    copy, or every model shows the last one's predictions."""
    sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
    import compare
    from mmpretrain.structures import DataSample

    class WritesInPlace:
        def __init__(self, label):
            self.label = label

        def test_step(self, batch):
            for sample in batch['data_samples']:
                sample.set_pred_label(self.label).set_pred_score(torch.eye(3)[self.label])
            return batch['data_samples']

    batch = dict(
        inputs=[torch.zeros(3, 4, 4, dtype=torch.uint8)],
        data_samples=[DataSample().set_gt_label(1)],
    )
    pred = compare.predict(
        {'teacher': WritesInPlace(1), 'distilled': WritesInPlace(2)}, [batch], None
    )
    assert pred.models == {'teacher': [1], 'distilled': [2]} and pred.gts == [1]
