"""Turn a distillation run into what the upstream tools expect: a plain student config and a
student-only checkpoint (keys ``backbone.*``, ``decode_head.*``, ``head.*``, no ``student.``
prefix, no teacher, no optimizer), loadable by mmseg's / mmpretrain's own ``tools/test.py``."""
import copy
import os
from collections import OrderedDict
from typing import Optional

import torch
from mmengine.config import Config

from mmkd.engine.checkpoint import load_checkpoint_file
from mmkd.engine.fileio import atomic_torch_save
from mmkd.models.build import resolve_model_cfg
from mmkd.registry import HOOKS, MODELS
from mmkd.utils.plain import is_plain



def is_distiller_config(cfg: Config) -> bool:
    model_type = cfg.model.get('type')
    cls = MODELS.get(model_type) if isinstance(model_type, str) else model_type
    from mmkd.models.distillers import Distiller
    return isinstance(cls, type) and issubclass(cls, Distiller)


def _distillation_only(hook_cfg: dict) -> bool:
    """Hooks that need a distiller (they say so with ``distillation_only = True``)."""
    hook_type = hook_cfg.get('type')
    cls = HOOKS.get(hook_type) if isinstance(hook_type, str) else hook_type
    return bool(getattr(cls, 'distillation_only', False))


def student_config(cfg: Config) -> Config:
    """The distillation config with ``model`` replaced by the plain student."""
    cfg = copy.deepcopy(cfg)
    student = resolve_model_cfg(cfg.model.student)
    if cfg.model.get('data_preprocessor') is not None:
        student['data_preprocessor'] = cfg.model.data_preprocessor
    cfg.model = student
    hooks = [h for h in cfg.get('custom_hooks', []) if not _distillation_only(h)]
    cfg.custom_hooks = hooks
    for key in ('load_from', 'resume', 'aid_adaptation'):
        cfg.pop(key, None)
    return cfg


def student_state_dict(checkpoint: dict) -> 'OrderedDict[str, torch.Tensor]':
    state = checkpoint.get('state_dict', checkpoint)
    student = OrderedDict((k[len('student.'):], v) for k, v in state.items()
                          if k.startswith('student.'))
    if not student:
        raise ValueError('the checkpoint holds no `student.` weights: it is not an mmkd '
                         'distiller checkpoint (a plain model checkpoint needs no export).')
    return student


def export_student(cfg: Config, checkpoint_path: str, out_path: str,
                   config_out: Optional[str] = None) -> str:
    """Write the student-only checkpoint (and, by default, its config beside it)."""
    checkpoint = load_checkpoint_file(checkpoint_path, 'distiller')
    # plain Python only, so that upstream tools load it with torch's weights_only default
    meta = {k: v for k, v in checkpoint.get('meta', {}).items()
            if k != 'teacher_metrics' and is_plain(v)}
    meta['mmkd_exported_from'] = os.path.abspath(checkpoint_path)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    atomic_torch_save({'meta': meta, 'state_dict': student_state_dict(checkpoint)}, out_path)
    config_out = config_out or os.path.splitext(out_path)[0] + '_config.py'
    student_config(cfg).dump(config_out)
    return config_out
