"""Every config under configs/ parses and builds its model, paper-scale ones included."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.registry import MODELS, DefaultScope

from mmkd.apis import is_distiller_config
from mmkd.models.distillers import Distiller

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
                 if f'{osp.sep}_base_{osp.sep}' not in p)


def test_there_are_configs_for_every_task():
    names = [osp.basename(p) for p in CONFIGS]
    for task in ('cls', 'seg', 'depth'):
        assert any(n.startswith(f'{task}_') and not n.endswith('_demo.py') for n in names)
        assert any(n.startswith(f'{task}_') and n.endswith('_demo.py') for n in names)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_builds_its_model(path):
    cfg = Config.fromfile(path)
    assert cfg.get('default_scope') in ('mmseg', 'mmpretrain')
    if is_distiller_config(cfg):
        cfg.model.teacher_ckpt = None  # paper-scale teachers are not on this machine
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    assert isinstance(model, BaseModel)
    if isinstance(model, Distiller):
        assert model.loss_specs, 'a distillation config without distillation losses'
        assert all(not p.requires_grad for p in model.teacher.parameters())
