"""Turn a distillation run into what the upstream tools expect: a plain student config and a
student-only checkpoint (keys ``backbone.*``, ``decode_head.*``, ``head.*``, no ``student.``
prefix, no teacher, no optimizer), loadable by mmseg's / mmpretrain's own ``tools/test.py``."""
import copy
import os
from collections import OrderedDict
from typing import Any, Optional

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
    if not _uses_mmkd(cfg.to_dict(), cfg.get('default_scope')):
        _drop_mmkd_imports(cfg)
    return cfg


def _uses_mmkd(node: Any, default_scope: Optional[str]) -> bool:
    """True if any ``type`` in the config resolves in mmkd's registries (a ``mmkd.`` prefix, an
    unscoped name under ``default_scope='mmkd'``, or an mmkd class), i.e. the config cannot be
    built without importing mmkd."""
    if isinstance(node, dict):
        kind = node.get('type')
        if isinstance(kind, str):
            scope = kind.split('.', 1)[0] if '.' in kind else default_scope
            if scope == 'mmkd':
                return True
        elif kind is not None and getattr(kind, '__module__', '').split('.')[0] == 'mmkd':
            return True
        return any(_uses_mmkd(v, default_scope) for v in node.values())
    if isinstance(node, (list, tuple)):
        return any(_uses_mmkd(v, default_scope) for v in node)
    return False


def _drop_mmkd_imports(cfg: Config) -> None:
    """Remove mmkd from ``custom_imports``, so that the plain student config loads where mmkd is
    not installed (mmseg's / mmpretrain's tools import every listed module first)."""
    imports = cfg.get('custom_imports')
    if not imports:
        return
    names = imports.get('imports', [])
    names = [names] if isinstance(names, str) else list(names)
    kept = [n for n in names if n != 'mmkd' and not n.startswith('mmkd.')]
    if kept:
        cfg.custom_imports = dict(imports, imports=kept)
    else:
        cfg.pop('custom_imports')


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
