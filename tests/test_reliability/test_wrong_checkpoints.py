"""Checkpoints that do not fit the config stop with one line naming the keys and the fix.

MMEngine loads ``load_from`` / ``--resume`` non-strictly, so before these checks a test of another
model's checkpoint reported mIoU 0.0 and exited 0, fine-tuning trained on, a resume failed with an
optimizer ValueError, and export wrote an unusable pair. Each tool path gets one test: exit code
1, the one-line message, and the checkpoint given left byte for byte as it was.
"""

import glob
import os
import os.path as osp
import shutil
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import MODELS, DefaultScope
from torch import nn

from mmkd.apis.checkpoint_fit import check_load_from, optimizer_mismatch
from mmkd.utils import ConfigError
from tests.test_reliability.conftest import (
    CLS_TEACHER,
    SEG_KD,
    SEG_STUDENT,
    SEG_TEACHER,
    assert_one_line_error,
    data_options,
    iter_options,
    run_tool,
    same_bytes,
    save_untrained,
    train,
)

WIDE_HEAD = 'model.student.decode_head.channels=24'  # the repository config has 16


@pytest.fixture(scope='module')
def runs(data_root, tmp_path_factory) -> dict:
    """An untrained cls checkpoint, and a 1-iteration KD run whose student was changed with
    --cfg-options (its work dir keeps that config as JSON)."""
    work = str(tmp_path_factory.mktemp('wrong_ckpt'))
    teacher = save_untrained(SEG_TEACHER, f'{work}/seg_teacher.pth')
    data = data_options(data_root, 'cityscapes')
    kd_options = data + [f'model.teacher_ckpt={teacher}']
    train(
        SEG_KD,
        f'{work}/kd_wide',
        kd_options + iter_options(1) + ['train_cfg.val_interval=100', WIDE_HEAD],
    )
    kd = f'{work}/kd_wide/iter_1.pth'
    cls = save_untrained(CLS_TEACHER, f'{work}/cls.pth')
    return dict(
        work=work,
        cls=cls,
        kd=kd,
        data=data,
        kd_options=kd_options,
        bytes={p: open(p, 'rb').read() for p in (cls, kd)},
    )


def _checkpoints(work_dir: str) -> list:
    return glob.glob(osp.join(work_dir, '*.pth'))


def test_test_tool_refuses_another_models_checkpoint(runs, tmp_path):
    proc = run_tool(
        [
            sys.executable,
            'tools/test.py',
            SEG_STUDENT,
            runs['cls'],
            '--work-dir',
            str(tmp_path),
            '--cfg-options',
            *runs['data'],
        ],
        expect_ok=False,
    )
    assert_one_line_error(
        proc,
        f'model checkpoint {runs["cls"]!r} does not fit the model of '
        'seg_pspnet-r18w8_demo-600it_embedded-cityscapes.py',
        'missing in checkpoint: backbone.',
        'not in model: ',
        'give the checkpoint trained with this config, or the config',
    )
    assert same_bytes([runs['cls']], runs['bytes'])


def test_test_tool_refuses_a_distiller_checkpoint_of_another_student(runs, tmp_path):
    """The repository KD config has a 16-channel head; the run's student had 24."""
    proc = run_tool(
        [
            sys.executable,
            'tools/test.py',
            SEG_KD,
            runs['kd'],
            '--work-dir',
            str(tmp_path),
            '--cfg-options',
            *runs['kd_options'],
        ],
        expect_ok=False,
    )
    assert_one_line_error(
        proc,
        'does not fit the student of seg_kd_demo.py',
        'shape mismatch: decode_head.',
        'vs model (16,',
        'Give the config (and --cfg-options) the run was trained with',
    )
    assert same_bytes([runs['kd']], runs['bytes'])
    assert not osp.exists(osp.join(tmp_path, 'test_student', 'student.pth'))


def test_load_from_another_model_stops_before_training(runs, tmp_path):
    proc = train(
        SEG_STUDENT,
        str(tmp_path),
        runs['data'] + iter_options(1) + [f'load_from={runs["cls"]}'],
        expect_ok=False,
    )
    assert_one_line_error(
        proc,
        f'load_from checkpoint {runs["cls"]!r} does not fit the model of seg_pspnet-r18w8',
        'weights fit)',
        'not in model: ',
        "Give a checkpoint of this config's model",
        '--load-partial',
    )
    assert same_bytes([runs['cls']], runs['bytes'])
    assert _checkpoints(str(tmp_path)) == []


def test_load_partial_is_the_escape_hatch_for_a_deliberate_partial_load(runs, tmp_path):
    train(
        SEG_STUDENT,
        str(tmp_path),
        runs['data'] + iter_options(1) + ['train_cfg.val_interval=100', f'load_from={runs["cls"]}'],
        '--load-partial',
    )
    assert _checkpoints(str(tmp_path)) == [osp.join(str(tmp_path), 'iter_1.pth')]
    assert same_bytes([runs['cls']], runs['bytes'])


def test_resume_from_another_configs_checkpoint_names_that_config(runs, tmp_path):
    proc = train(
        SEG_STUDENT,
        str(tmp_path),
        runs['data'] + iter_options(2),
        '--resume',
        runs['kd'],
        expect_ok=False,
    )
    assert_one_line_error(
        proc,
        f'--resume: checkpoint {runs["kd"]!r} does not fit seg_pspnet-r18w8',
        'not in model: student.',
        "written by a run of 'seg_kd_demo'",
        'Resume with that config',
        'It is an mmkd distiller checkpoint',
    )
    assert same_bytes([runs['kd']], runs['bytes'])
    assert _checkpoints(str(tmp_path)) == []


def test_resume_with_another_optimizer_stops_before_the_first_step(runs, tmp_path):
    """Same model, but paramwise_cfg gives one parameter group per weight: torch raised a bare
    ValueError inside MMEngine's resume."""
    proc = train(
        SEG_KD,
        str(tmp_path),
        runs['kd_options']
        + iter_options(2)
        + [WIDE_HEAD, 'optim_wrapper.paramwise_cfg.norm_decay_mult=0.0'],
        '--resume',
        runs['kd'],
        expect_ok=False,
    )
    assert_one_line_error(
        proc,
        '--resume: checkpoint',
        'optimizer: 1 parameter group of ',
        'parameter groups of 1, 1, 1, 1, ... parameters in this config',
        'resume a checkpoint of this config',
    )
    assert same_bytes([runs['kd']], runs['bytes'])
    assert _checkpoints(str(tmp_path)) == []


def test_export_refuses_a_checkpoint_that_is_not_a_distillers(runs, tmp_path):
    out = f'{tmp_path}/student.pth'
    proc = run_tool(
        [sys.executable, 'tools/export_student.py', SEG_KD, runs['cls'], out], expect_ok=False
    )
    assert_one_line_error(
        proc,
        'holds no `student.` weights',
        'not an mmkd distiller checkpoint',
        'Give the checkpoint of a distillation run',
    )
    assert same_bytes([runs['cls']], runs['bytes'])
    assert os.listdir(tmp_path) == []


def test_export_without_the_runs_config_stops_then_takes_cfg_options(runs, tmp_path):
    """A checkpoint moved away from its work dir: the repository config does not fit its student
    (one line); giving the run's --cfg-options to the export fixes it."""
    moved = shutil.copy(runs['kd'], f'{tmp_path}/iter_1.pth')
    out = f'{tmp_path}/export/student.pth'
    proc = run_tool(
        [sys.executable, 'tools/export_student.py', SEG_KD, moved, out], expect_ok=False
    )
    assert_one_line_error(
        proc,
        f'distiller checkpoint {moved!r} does not fit the student of seg_kd_demo.py',
        'shape mismatch: decode_head.',
        'Give the config (and --cfg-options) the run was trained with',
    )
    assert not osp.exists(out) and not osp.exists(out.replace('.pth', '_config.py'))
    run_tool(
        [sys.executable, 'tools/export_student.py', SEG_KD, moved, out, '--cfg-options', WIDE_HEAD]
    )
    plain_cfg = Config.fromfile(out.replace('.pth', '_config.py'))
    assert plain_cfg.model.decode_head.channels == 24
    assert same_bytes([runs['kd']], runs['bytes'])


def test_export_after_cfg_options_uses_the_runs_dumped_config(runs, tmp_path):
    """Exported without options, the pair loads strictly and gives the distiller's logits."""
    out = f'{tmp_path}/student.pth'
    # MMEngine's own Python copy of the config beside the checkpoint must never be run
    mmengine_copy = osp.join(osp.dirname(runs['kd']), 'seg_kd_demo.py')
    with open(mmengine_copy, 'a') as f:
        f.write(f'\nimport pathlib; pathlib.Path({str(tmp_path / "ran")!r}).touch()\n')
    proc = run_tool([sys.executable, 'tools/export_student.py', SEG_KD, runs['kd'], out])
    assert not (tmp_path / 'ran').exists()
    dumped = osp.join(osp.dirname(runs['kd']), 'seg_kd_demo.json')
    assert f'mmkd: warning: exporting with the config the run used, {dumped}' in proc.stderr
    assert 'model.student.decode_head.channels' in proc.stderr
    assert same_bytes([runs['kd']], runs['bytes'])

    exported = torch.load(out, weights_only=True)
    with DefaultScope.overwrite_default_scope('mmseg'):
        plain = MODELS.build(Config.fromfile(out.replace('.pth', '_config.py')).model)
        distiller = MODELS.build(Config.fromfile(dumped).model)
    plain.load_state_dict(exported['state_dict'], strict=True)
    distiller.load_state_dict(torch.load(runs['kd'], weights_only=True)['state_dict'], strict=True)
    plain.eval()
    distiller.eval()
    inputs = torch.randn(1, 3, 64, 128)
    with torch.no_grad():
        assert torch.equal(plain(inputs, mode='tensor'), distiller(inputs, mode='tensor'))


# ---------------------------------------------------------------- the rules, without a tool run
def _saved(model: nn.Module, path: str) -> str:
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path


def test_load_from_rule_allows_fine_tuning_and_stops_foreign_checkpoints(tmp_path):
    model = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 3))
    check_load_from(
        model,
        _saved(nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 3)), f'{tmp_path}/same.pth'),
        'cfg.py',
    )
    check_load_from(
        model, _saved(nn.Sequential(nn.Linear(4, 8)), f'{tmp_path}/part.pth'), 'cfg.py'
    )  # a backbone-only checkpoint: the head stays initialised
    with pytest.raises(
        ConfigError,
        match=r'shape mismatch: 1.weight: checkpoint \(5, 8\) vs '
        r'model \(3, 8\).*--load-partial',
    ):
        check_load_from(
            model,
            _saved(nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 5)), f'{tmp_path}/classes.pth'),
            'cfg.py',
        )
    foreign = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 8))
    with pytest.raises(ConfigError, match=r'\(2 of its 8 weights fit\).*not in model: 1.weight'):
        check_load_from(
            nn.Sequential(nn.Linear(4, 8)), _saved(foreign, f'{tmp_path}/f.pth'), 'cfg.py'
        )


def test_optimizer_state_of_another_shape_is_found_before_the_first_step():
    """Group sizes that match but momentum of another shape used to fail only at step()."""

    def stepped(out_features: int) -> torch.optim.Optimizer:
        layer = nn.Linear(2, out_features)
        optimizer = torch.optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
        layer(torch.ones(1, 2)).sum().backward()
        optimizer.step()
        return optimizer

    own = OptimWrapper(stepped(3))
    names = {p: n for n, p in zip(('weight', 'bias'), own.optimizer.param_groups[0]['params'])}
    assert optimizer_mismatch(own, stepped(3).state_dict(), names) == []
    problems = optimizer_mismatch(own, stepped(4).state_dict(), names)
    assert problems == [
        'optimizer: state of another shape: weight (momentum_buffer (4, 2) vs '
        'parameter (3, 2)), bias (momentum_buffer (4,) vs parameter (3,))'
    ]


def test_the_kind_hint_judges_the_whole_checkpoint():
    """A distiller checkpoint that differs from a distiller model only outside ``student.``
    (a connector) is still a distiller's: no 'plain model' hint; a plain one gets it."""
    from mmkd.apis.checkpoint_fit import _kind_hint

    model = {'student.backbone.w': 0, 'terms.fit.connector.proj.weight': 0}
    distiller_ckpt = {'student.backbone.w': 0, 'terms.at.connector.proj.weight': 0}
    plain_ckpt = {'backbone.w': 0}
    assert _kind_hint(model, distiller_ckpt) == ''
    assert 'plain model checkpoint' in _kind_hint(model, plain_ckpt)
    assert 'distiller checkpoint' in _kind_hint(plain_ckpt, distiller_ckpt)
