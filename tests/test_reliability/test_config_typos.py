"""Config typos outside mmkd's own components end before anything is trained, in one line with
the config path of the key and the closest valid name (issue #11, item 4)."""

import glob
import os.path as osp
import sys

import pytest
from mmengine.config import Config

from mmkd.utils import ConfigError
from mmkd.utils.config_check import accepted_keys, check_config, check_option_keys
from tests.test_reliability.conftest import (
    SEG_KD,
    SEG_TEACHER,
    assert_one_line_error,
    data_options,
    iter_options,
    run_tool,
    save_untrained,
    train,
)


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory) -> str:
    return save_untrained(SEG_TEACHER, str(tmp_path_factory.mktemp('teacher') / 'teacher.pth'))


def no_checkpoint(work_dir: str) -> bool:
    return not glob.glob(osp.join(work_dir, '**', '*.pth'), recursive=True)


@pytest.mark.parametrize(
    'config, option, fragments',
    [
        (
            'kd',
            'default_hooks.checkpoint.intervl=10',
            [
                "default_hooks.checkpoint: unknown key(s) ['intervl'] for CheckpointHook.",
                "Did you mean: 'interval'",
            ],
        ),
        (
            'kd',
            'train_dataloadr.batch_size=2',
            [
                "--cfg-options train_dataloadr.batch_size: the config has no key 'train_dataloadr'",
                "Did you mean: 'train_dataloader'",
            ],
        ),
        (
            'kd',
            'train_cfg.max_iter=10',
            [
                "train_cfg: unknown key(s) ['max_iter'] for IterBasedTrainLoop.",
                "Did you mean: 'max_iters'",
            ],
        ),
        (
            'kd',
            'model.student.decode_head.num_clases=19',
            [
                "model.student.decode_head: unknown key(s) ['num_clases'] for PSPHead.",
                "Did you mean: 'num_classes'",
            ],
        ),
        (
            'plain',
            'model.decode_head.num_clases=19',
            [
                "model.decode_head: unknown key(s) ['num_clases'] for PSPHead.",
                "Did you mean: 'num_classes'",
            ],
        ),
    ],
)
def test_typo_ends_before_training(config, option, fragments, data_root, teacher_ckpt, tmp_path):
    work_dir = str(tmp_path / 'work')
    options = data_options(data_root, 'cityscapes') + iter_options(1) + [option]
    if config == 'kd':
        options.append(f'model.teacher_ckpt={teacher_ckpt}')
    proc = train(SEG_KD if config == 'kd' else SEG_TEACHER, work_dir, options, expect_ok=False)
    assert_one_line_error(proc, *fragments)
    assert no_checkpoint(work_dir)


def test_test_tool_checks_the_config_too(data_root, teacher_ckpt, tmp_path):
    proc = run_tool(
        [
            sys.executable,
            'tools/test.py',
            SEG_TEACHER,
            teacher_ckpt,
            '--work-dir',
            str(tmp_path / 'test'),
            '--cfg-options',
            *data_options(data_root, 'cityscapes'),
            'test_evaluator.iou_metric=[mIoU]',
        ],
        expect_ok=False,
    )
    assert_one_line_error(
        proc,
        "test_evaluator: unknown key(s) ['iou_metric'] for IoUMetric.",
        "Did you mean: 'iou_metrics'",
    )


def test_every_problem_is_reported_at_once():
    cfg = Config.fromfile(SEG_TEACHER)
    cfg.merge_from_dict(
        {
            'default_hooks.checkpoint.intervl': 10,
            'train_cfg.max_iter': 10,
            'train_dataloader.batch_sise': 2,
            'optim_wrapper.optimizer.weight_decy': 0.1,
        }
    )
    with pytest.raises(ConfigError) as info:
        check_config(cfg)
    lines = str(info.value).splitlines()
    assert len(lines) == 4, lines
    assert any(
        line.startswith("train_dataloader: unknown key(s) ['batch_sise']")
        and "Did you mean: 'batch_size'" in line
        for line in lines
    ), lines
    assert any(
        line.startswith("optim_wrapper.optimizer: unknown key(s) ['weight_decy'] for AdamW")
        for line in lines
    ), lines


def test_misspelt_runner_setting_in_the_config_file(tmp_path):
    path = tmp_path / 'typo.py'
    path.write_text(f"_base_ = ['{SEG_TEACHER}']\ndefault_hook = dict()\ncrop_size = (64, 128)\n")
    with pytest.raises(
        ConfigError,
        match="default_hook: not a setting MMEngine reads.*Did you mean: 'default_hooks'",
    ):
        check_config(Config.fromfile(str(path)))


def test_new_top_level_option_is_rejected_known_ones_are_not():
    cfg = Config.fromfile(SEG_TEACHER)
    check_option_keys(
        cfg,
        {
            'load_from': 'x.pth',
            'find_unused_parameters': True,
            'train_dataloader.batch_size': 2,
            'demo_iters': 3,
        },
    )
    with pytest.raises(ConfigError, match="Did you mean: 'randomness'"):
        check_option_keys(cfg, {'randomnes.seed': 1})


def test_kwargs_are_followed_to_the_class_that_takes_them():
    from mmengine.hooks import CheckpointHook
    from mmseg.evaluation import IoUMetric
    from mmseg.models.decode_heads import PSPHead

    assert {'num_classes', 'channels', 'pool_scales', 'loss_decode'} <= set(accepted_keys(PSPHead))
    assert 'interval' in accepted_keys(CheckpointHook)  # its **kwargs: nothing save takes
    assert 'iou_metrics' in accepted_keys(IoUMetric)  # its **kwargs are dropped unused
