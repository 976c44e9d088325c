"""Turn a distillation run into what the upstream tools expect: a plain student config and a
student-only checkpoint (keys ``backbone.*``, ``decode_head.*``, ``head.*``, no ``student.``
prefix, no teacher, no optimizer), loadable by mmseg's / mmpretrain's own ``tools/test.py``."""

import copy
import json
import os
import sys
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmkd.engine.checkpoint import (
    KeyMismatch,
    checkpoint_mismatch_error,
    compare_state_dicts,
    load_checkpoint_file,
)
from mmkd.engine.fileio import atomic_file, atomic_torch_save
from mmkd.models.build import resolve_model_cfg
from mmkd.registry import HOOKS, MODELS
from mmkd.utils import ConfigError
from mmkd.utils.plain import is_plain


def is_distiller_config(cfg: Config) -> bool:
    model_type = cfg.model.get('type')
    cls = MODELS.get(model_type) if isinstance(model_type, str) else model_type
    from mmkd.models.distillers import Distiller

    return isinstance(cls, type) and issubclass(cls, Distiller)


def _hook_class(hook_cfg: dict) -> Optional[type]:
    hook_type = hook_cfg.get('type')
    return HOOKS.get(hook_type) if isinstance(hook_type, str) else hook_type


def _dropped_on_export(hook_cfg: dict) -> bool:
    """Hooks that need a distiller (``distillation_only = True``) and the run machinery
    tools/train.py adds (``keep_in_export = False``): a plain student config goes without them."""
    cls = _hook_class(hook_cfg)
    return bool(getattr(cls, 'distillation_only', False)) or not getattr(
        cls, 'keep_in_export', True
    )


def student_config(cfg: Config) -> Config:
    """The distillation config with ``model`` replaced by the plain student."""
    cfg = copy.deepcopy(cfg)
    student = resolve_model_cfg(cfg.model.student)
    if cfg.model.get('data_preprocessor') is not None:
        student['data_preprocessor'] = cfg.model.data_preprocessor
    cfg.model = student
    hooks = [h for h in cfg.get('custom_hooks', []) if not _dropped_on_export(h)]
    cfg.custom_hooks = hooks
    for hook in (cfg.get('default_hooks') or {}).values():  # e.g. mmkd.CheckpointHook
        upstream = getattr(_hook_class(hook), 'upstream_type', None) if hook else None
        if upstream:
            hook['type'] = upstream
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


def student_state_dict(
    checkpoint: dict, path: str = 'the checkpoint'
) -> 'OrderedDict[str, torch.Tensor]':
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else {}
    student = OrderedDict(
        (k[len('student.') :], v) for k, v in state.items() if k.startswith('student.')
    )
    if not student:
        raise ConfigError(
            f'{path!r} holds no `student.` weights: it is not an mmkd distiller checkpoint. '
            'Give the checkpoint of a distillation run (e.g. its iter_*.pth); a plain model '
            'checkpoint needs no export, it loads into the upstream tools as it is.'
        )
    return student


def student_mismatch(cfg: Config, student: Mapping[str, torch.Tensor]) -> KeyMismatch:
    """How the student weights differ from the student ``cfg`` builds (keys and shapes)."""
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope')):
        model = MODELS.build(student_config(cfg).model)
    return compare_state_dicts(model.state_dict(), student)


def checked_student_weights(
    cfg: Config, checkpoint: dict, path: str, config_name: str
) -> 'OrderedDict[str, torch.Tensor]':
    """The student weights of a distiller checkpoint, after a strict check against ``cfg``."""
    if not is_distiller_config(cfg):
        raise ConfigError(
            f'{config_name} is not a distillation config (model type {cfg.model.get("type")!r}): '
            "give the distillation config the checkpoint was trained with (a plain model's "
            'checkpoint needs no export).'
        )
    student = student_state_dict(checkpoint, path)
    mismatch = student_mismatch(cfg, student)
    if mismatch:
        raise checkpoint_mismatch_error(
            path,
            'distiller',
            mismatch,
            target=f'the student of {config_name}',
            fix='Give the config (and --cfg-options) the run was trained with: tools/train.py '
            "keeps it in the run's work dir as <config name>.json; or the checkpoint of "
            'this config.',
        )
    return student


def export_student(
    cfg: Config, checkpoint_path: str, out_path: str, config_out: Optional[str] = None
) -> str:
    """Write the student-only checkpoint (and, by default, its config beside it), after checking
    strictly that the checkpoint's student is the student of ``cfg``."""
    config_out = config_out or os.path.splitext(out_path)[0] + '_config.py'
    for target in (out_path, config_out):
        if _same_file(target, checkpoint_path) or _same_file(target, cfg.filename):
            raise ConfigError(
                f'refusing to overwrite {target!r} (the checkpoint or config being '
                'exported): give another output path.'
            )
    checkpoint = load_checkpoint_file(checkpoint_path, 'distiller')
    config_name = os.path.basename(cfg.filename) if cfg.filename else 'the config'
    student = checked_student_weights(cfg, checkpoint, checkpoint_path, config_name)
    # plain Python only, so that upstream tools load it with torch's weights_only default
    meta = {
        k: v
        for k, v in checkpoint.get('meta', {}).items()
        if k != 'teacher_metrics' and is_plain(v)
    }
    meta['mmkd_exported_from'] = os.path.abspath(checkpoint_path)
    try:
        os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
        atomic_torch_save({'meta': meta, 'state_dict': student}, out_path)
        with atomic_file(config_out, 'w', encoding='utf-8') as f:
            f.write(student_config(cfg).pretty_text)
    except OSError as err:
        raise ConfigError(
            f'cannot write the exported student ({type(err).__name__}: {err}): '
            'give an output path in a writable directory.'
        ) from err
    return config_out


def _same_file(a: Optional[str], b: Optional[str]) -> bool:
    return bool(a and b and os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b))


#: top-level keys the tools set for each run (not settings of the model or the data)
_RUN_KEYS = ('work_dir', 'launcher', 'resume', 'load_from')


def run_config_path(work_dir: str, config_path: str) -> str:
    """Where tools/train.py keeps the config a run used: ``<work_dir>/<config name>.json``."""
    name = os.path.splitext(os.path.basename(config_path))[0]
    return os.path.join(work_dir, f'{name}.json')


def write_run_config(cfg: Config, config_path: str) -> Optional[str]:
    """Keep the merged config of a run (every ``--cfg-options`` included) as JSON in its work
    dir, for export. MMEngine's own copy there is Python, which runs when read; export must not
    run a file it found on its own, and JSON cannot. A config that does not serialise to JSON
    (e.g. classes as ``type``) is skipped: export then uses the config the user names."""
    path = run_config_path(cfg.work_dir, config_path)
    try:
        text = json.dumps(cfg.to_dict(), indent=1)
    except (TypeError, ValueError) as err:
        print(
            f'mmkd: warning: the run config is not written as JSON ({err}); export this run '
            'with its config and the same --cfg-options',
            file=sys.stderr,
        )
        return None
    with atomic_file(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path


def run_config(
    config_path: str, checkpoint_path: str, cfg_options: Optional[Mapping[str, object]] = None
) -> Tuple[Config, str]:
    """The config a distillation run actually used, and a one-line note of what was chosen.

    tools/train.py keeps the merged config (every ``--cfg-options`` of the run included) in the
    work dir as ``<config name>.json`` (:func:`write_run_config`). That copy beside the
    checkpoint wins when it is a distillation config whose student fits the checkpoint;
    otherwise ``config_path`` is used. ``cfg_options`` are merged on top of either.
    """
    if not os.path.isfile(config_path):
        raise ConfigError(
            f'config file not found: {config_path!r}. Give the distillation config '
            'the checkpoint was trained with.'
        )
    given = _with_options(Config.fromfile(config_path), cfg_options)
    dumped_path = run_config_path(os.path.dirname(os.path.abspath(checkpoint_path)), config_path)
    if not os.path.isfile(dumped_path) or _same_file(dumped_path, config_path):
        return given, ''
    dumped = _with_options(Config.fromfile(dumped_path), cfg_options)
    checkpoint = load_checkpoint_file(checkpoint_path, 'distiller')
    if not (is_distiller_config(dumped) and is_distiller_config(given)):
        return given, ''
    if student_mismatch(dumped, student_state_dict(checkpoint, checkpoint_path)):
        return given, (
            f'{dumped_path} (the config of the run) does not fit the checkpoint (a '
            f'later run in the same work dir?); exporting with {config_path}'
        )
    changed = _differing_keys(given, dumped)
    if not changed:
        return dumped, ''
    more = f' ... ({len(changed)} in all)' if len(changed) > 6 else ''
    return dumped, (
        f'exporting with the config the run used, {dumped_path}; {config_path} '
        f'differs from it in {", ".join(changed[:6])}{more}'
    )


def _with_options(cfg: Config, options: Optional[Mapping[str, object]]) -> Config:
    if options:
        cfg.merge_from_dict(dict(options))
    return cfg


def _differing_keys(a: Config, b: Config) -> List[str]:
    """Dotted keys whose values differ between two configs (run bookkeeping left out)."""

    def flat(value: object, prefix: str = '') -> Dict[str, object]:
        if isinstance(value, dict):
            out: Dict[str, object] = {}
            for key, item in value.items():
                out.update(flat(item, f'{prefix}{key}.'))
            return out if out else {prefix.rstrip('.'): value}
        return {prefix.rstrip('.'): value}

    def settings(cfg: Config) -> Dict[str, object]:
        data = {k: v for k, v in cfg.to_dict().items() if k not in _RUN_KEYS}
        data['custom_hooks'] = [
            h
            for h in data.get('custom_hooks', [])
            if not str(h.get('type', '')).endswith('ExactResumeHook')
        ]
        return flat(data)

    left, right = settings(a), settings(b)
    changed = [k for k in set(left) | set(right) if left.get(k, _MISSING) != right.get(k, _MISSING)]
    return sorted(changed, key=lambda k: (not k.startswith('model.'), k))  # the model's first


_MISSING = object()
