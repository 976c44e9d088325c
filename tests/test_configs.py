"""Every config under configs/ parses and builds its model, paper-scale ones included."""

import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.registry import MODELS, DefaultScope

from mmkd.apis import is_distiller_config
from mmkd.models.distillers import Distiller
from mmkd.utils.config_check import check_config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p
    for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if f'{osp.sep}_base_{osp.sep}' not in p
)


def test_there_are_configs_for_every_task():
    names = [osp.basename(p) for p in CONFIGS]
    for task in ('cls', 'seg', 'depth'):
        assert any(n.startswith(f'{task}_') and not n.endswith('_demo.py') for n in names)
        assert any(n.startswith(f'{task}_') and n.endswith('_demo.py') for n in names)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_builds_its_model(path):
    cfg = Config.fromfile(path)
    check_config(cfg)  # tools/train.py's key check accepts every config
    assert cfg.get('default_scope') in ('mmseg', 'mmpretrain')
    if is_distiller_config(cfg) or cfg.model.get('type') == 'mmkd.AIDTeacherAdapter':
        cfg.model.teacher_ckpt = None  # paper-scale teachers are not on this machine
        for spec in (cfg.model.get('teachers') or {}).values():
            spec.ckpt = None
    if cfg.model.get('type') == 'mmkd.AIDTeacherAdapter':
        cfg.model.reference_student_ckpt = None
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    assert isinstance(model, BaseModel)
    if isinstance(model, Distiller):
        assert model.terms, 'a distillation config without distillation losses'
        assert all(not p.requires_grad for p in model.teachers.parameters())


AID_DISTILL = [p for p in CONFIGS if osp.basename(osp.dirname(p)) == 'aid' and '-adapt_' not in p]


@pytest.mark.parametrize('path', AID_DISTILL, ids=lambda p: osp.relpath(p, ROOT))
def test_aid_distillation_configs_read_the_teacher_their_adaptation_writes(path, monkeypatch):
    from mmkd.apis.aid import adaptation_stage

    monkeypatch.chdir(ROOT)  # the stage's config path is relative to the checkout
    cfg = Config.fromfile(path)
    stage = adaptation_stage(cfg, path)  # raises on a teacher_ckpt / work_dir mismatch
    assert stage is not None and stage.adapted_teacher.endswith('adapted_teacher.pth')
    # the adapted network is the distiller's teacher (same architecture)
    adapted_teacher = stage.cfg.model.teacher
    assert adapted_teacher == cfg.model.teacher or adapted_teacher.get(
        'cfg_path'
    ) == cfg.model.teacher.get('cfg_path')
