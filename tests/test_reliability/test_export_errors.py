"""Every way tools/export_student.py is given bad input ends with one line and writes nothing.

It did not go through run_cli before: each of these was a traceback (or, for a student of
another architecture, an unusable exported pair).
"""

import os
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

from tests.test_reliability.conftest import (
    CFG,
    SEG_KD,
    SEG_STUDENT,
    assert_one_line_error,
    run_tool,
    same_bytes,
)


@pytest.fixture(scope='module')
def distiller_ckpt(tmp_path_factory) -> str:
    """A checkpoint of the repository's seg KD distiller (untrained: only its keys matter)."""
    cfg = Config.fromfile(SEG_KD)
    cfg.model.teacher_ckpt = None
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg.model)
    path = str(tmp_path_factory.mktemp('export_errors') / 'kd' / 'iter_1.pth')
    os.makedirs(osp.dirname(path))
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path


def _export(*args: str):
    return run_tool([sys.executable, 'tools/export_student.py', *args], expect_ok=False)


def test_missing_checkpoint(tmp_path):
    proc = _export(SEG_KD, f'{tmp_path}/nope.pth', f'{tmp_path}/out/student.pth')
    assert_one_line_error(
        proc,
        'distiller checkpoint not found',
        'nope.pth',
        'point the config at an existing .pth file',
    )
    assert not osp.exists(f'{tmp_path}/out')


def test_missing_config(distiller_ckpt, tmp_path):
    proc = _export(f'{CFG}/kd/seg_kd_dmeo.py', distiller_ckpt, f'{tmp_path}/student.pth')
    assert_one_line_error(
        proc,
        'config file not found',
        'seg_kd_dmeo.py',
        'Give the distillation config the checkpoint was trained with',
    )
    assert os.listdir(tmp_path) == []


def test_config_that_is_not_a_distillers(distiller_ckpt, tmp_path):
    before = {distiller_ckpt: open(distiller_ckpt, 'rb').read()}
    proc = _export(SEG_STUDENT, distiller_ckpt, f'{tmp_path}/student.pth')
    assert_one_line_error(
        proc,
        'seg_pspnet-r18w8_demo-600it_embedded-cityscapes.py is not a '
        "distillation config (model type 'EncoderDecoder')",
        'give the distillation config the checkpoint was trained with',
    )
    assert os.listdir(tmp_path) == [] and same_bytes([distiller_ckpt], before)


def test_unwritable_out_path(distiller_ckpt, tmp_path):
    blocker = tmp_path / 'a_file'
    blocker.write_text('not a directory')
    proc = _export(SEG_KD, distiller_ckpt, f'{blocker}/student.pth')
    assert_one_line_error(
        proc, 'cannot write the exported student', 'give an output path in a writable directory'
    )
    assert blocker.read_text() == 'not a directory'
    assert sorted(os.listdir(tmp_path)) == ['a_file']


def test_out_path_that_is_the_checkpoint_itself(distiller_ckpt):
    before = {distiller_ckpt: open(distiller_ckpt, 'rb').read()}
    proc = _export(SEG_KD, distiller_ckpt, distiller_ckpt)
    assert_one_line_error(
        proc, f'refusing to overwrite {distiller_ckpt!r}', 'give another output path'
    )
    assert same_bytes([distiller_ckpt], before)
    assert os.listdir(osp.dirname(distiller_ckpt)) == ['iter_1.pth']


def test_good_export_still_writes_the_pair(distiller_ckpt, tmp_path):
    out = f'{tmp_path}/student.pth'
    run_tool([sys.executable, 'tools/export_student.py', SEG_KD, distiller_ckpt, out])
    assert sorted(os.listdir(tmp_path)) == ['student.pth', 'student_config.py']
