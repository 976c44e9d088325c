"""tools/train.py warns when a run's world size or per-GPU batch is not the config name's NxbM."""

import glob
import importlib.util
import os.path as osp
import re

import pytest

from tests.test_tools.test_tools import CFG, ROOT, data_options, iter_options, train

SEG_STUDENT = f'{CFG}/models/seg_pspnet-r18w8_demo-600it_embedded-cityscapes.py'
KD_4XB2 = f'{CFG}/kd/seg_kd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py'
KD_8XB2 = f'{CFG}/kd/seg_kd_pspnet-r101_to_pspnet-r18_8xb2-40k_cityscapes-512x1024.py'


@pytest.fixture(scope='module')
def train_tool():
    spec = importlib.util.spec_from_file_location('mmkd_train_tool', f'{ROOT}/tools/train.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_scale_the_name_says_is_not_warned_about(train_tool):
    assert train_tool.scale_mismatch(KD_4XB2, 4, 2) is None
    assert train_tool.scale_mismatch(KD_8XB2, 8, 2) is None


def test_names_without_nxbm_are_not_checked(train_tool):
    assert train_tool.scale_mismatch(f'{CFG}/kd/seg_kd_demo.py', 8, 2) is None


def test_another_world_size_names_both_scales_and_the_config_written_for_it(train_tool):
    message = train_tool.scale_mismatch(KD_4XB2, 8, 2)
    assert '\n' not in message
    assert 'written for 4 x 2' in message and 'batch 8' in message
    assert 'this run has 8 x 2 (batch 16)' in message
    assert f'use {osp.basename(KD_8XB2)}' in message
    assert '--cfg-options auto_scale_lr.enable=True auto_scale_lr.base_batch_size=8' in message
    back = train_tool.scale_mismatch(KD_8XB2, 4, 2)
    assert f'use {osp.basename(KD_4XB2)}' in back and 'base_batch_size=16' in back


def test_another_per_gpu_batch_is_warned_about_too(train_tool):
    message = train_tool.scale_mismatch(KD_4XB2, 4, 1)
    assert 'this run has 4 x 1 (batch 4)' in message and 'use ' not in message


def test_scaling_the_lr_from_the_named_batch_silences_it(train_tool):
    scaled = dict(enable=True, base_batch_size=8)
    assert train_tool.scale_mismatch(KD_4XB2, 8, 2, scaled) is None
    assert train_tool.scale_mismatch(KD_4XB2, 8, 2, dict(scaled, enable=False)) is not None
    assert train_tool.scale_mismatch(KD_4XB2, 8, 2, dict(scaled, base_batch_size=16)) is not None


def test_the_config_for_the_scale_is_found_beside_it(train_tool, tmp_path):
    for name in (
        'a_4xb2-80k_x.py',
        'a_8xb2-40k_x.py',
        'a_8xb2-40k_y.py',
        'b_8xb2-40k_x.py',
        'c_1xb64_z.py',
        'c_2xb64_z.py',
    ):
        (tmp_path / name).write_text('')
    assert train_tool.configs_for_scale(str(tmp_path / 'a_4xb2-80k_x.py'), 8, 2) == [
        str(tmp_path / 'a_8xb2-40k_x.py')
    ]
    assert train_tool.configs_for_scale(str(tmp_path / 'c_1xb64_z.py'), 2, 64) == [
        str(tmp_path / 'c_2xb64_z.py')
    ]
    assert train_tool.configs_for_scale(str(tmp_path / 'a_4xb2-80k_x.py'), 2, 2) == []


def test_train_logs_the_warning_once_and_its_fix_works(data_root, tmp_path):
    """A demo config under a 4xb2 name, trained by one process: one warning line in the log;
    with the fix it names, the lr is scaled to the run's batch and the warning is gone."""
    config = tmp_path / 'seg_student_4xb2-1it_embedded-cityscapes.py'
    config.write_text(f'_base_ = [{SEG_STUDENT!r}]\n')
    options = data_options(data_root, 'cityscapes') + iter_options(1)

    def log_of(work: str, *extra: str) -> str:
        train(str(config), work, options + list(extra))
        (log,) = glob.glob(osp.join(work, '*', '*.log'))
        return open(log).read()

    warnings = [line for line in log_of(str(tmp_path / 'a')).splitlines() if 'written for' in line]
    assert len(warnings) == 1, warnings
    assert 'WARNING' in warnings[0]
    assert 'written for 4 x 2 (GPUs x images per GPU, batch 8); this run has 1 x 2' in warnings[0]
    fix = 'auto_scale_lr.enable=True auto_scale_lr.base_batch_size=8'
    assert f'--cfg-options {fix}' in warnings[0]

    fixed = log_of(str(tmp_path / 'b'), *fix.split())
    assert 'written for' not in fixed
    assert 'Scaling the original LR by 0.25' in fixed  # MMEngine's own line: batch 2 of 8


# The READMEs whose launcher commands are checked (configs/README.md included; the root
# README.md joins once its headline command names the 8xb2 config).
DOCS = sorted(
    glob.glob(f'{CFG}/**/README.md', recursive=True)
    + glob.glob(f'{ROOT}/docs/*.md')
    + [f'{ROOT}/README.md']
)
LAUNCH = re.compile(r'dist_train\.sh\s+(\S+\.py)\s+(\d+)')


@pytest.mark.parametrize('doc', DOCS, ids=lambda p: osp.relpath(p, ROOT))
def test_readme_commands_start_the_world_size_their_config_is_named_for(doc, train_tool):
    for config, procs in LAUNCH.findall(open(doc).read()):
        assert osp.isfile(osp.join(ROOT, config)), f'{doc}: {config} does not exist'
        named = train_tool.NAMED_SCALE.search(osp.basename(config))
        assert named is not None and named.group(1) == procs, (
            f'{osp.relpath(doc, ROOT)}: `dist_train.sh {config} {procs}` starts {procs} '
            f'processes for a config named for {named.group(1) if named else "?"}'
        )
