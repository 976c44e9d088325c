"""Before a run trains or tests, check that the checkpoint it will load fits the built model.

MMEngine loads ``load_from`` and ``--resume`` checkpoints non-strictly: a checkpoint of another
model only logs warnings, so a test reports mIoU 0.0 and exits 0, a fine-tuning run trains on
random weights, and a resumed optimizer fails later with a bare ValueError (or only at its first
step). The tools call :func:`check_runner_checkpoint` between building the Runner and running it,
so a checkpoint that does not fit stops with one line naming the keys and the fix. A checkpoint
may be an http(s) URL: :func:`load_checkpoint_file` downloads it once into torch hub's cache,
where MMEngine's loading then finds it.
"""

import copy
import os.path as osp
import re
from collections import OrderedDict
from itertools import chain
from typing import List, Mapping, Optional

import torch
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict
from mmengine.runner import Runner
from mmengine.runner.checkpoint import find_latest_checkpoint
from torch import nn

from mmkd.engine.checkpoint import (
    checkpoint_mismatch_error,
    compare_state_dicts,
    load_checkpoint_file,
)
from mmkd.models.distillers.term import legacy_term_keys
from mmkd.utils import ConfigError


def runner_state_dict(checkpoint: object) -> 'OrderedDict[str, object]':
    """The weights as the model will load them: ``state_dict`` (or the whole file) with a
    leading ``module.`` removed (as MMEngine's ``Runner.load_checkpoint`` does) and a distiller's
    keys from before DistillTerm renamed (as the Distiller's load pre-hook does)."""
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else {}
    state = OrderedDict((re.sub(r'^module\.', '', k), v) for k, v in state.items())
    renamed = legacy_term_keys(state)
    return OrderedDict((renamed.get(k, k), v) for k, v in state.items())


def check_runner_checkpoint(
    runner: Runner, testing: bool = False, load_partial: bool = False
) -> None:
    """Stop unless the checkpoint the runner will load (``resume`` / ``load_from``) fits its model.

    Testing loads strictly (every weight of the model, with its shape); ``load_from`` for training
    stops when a shared weight has another shape or fewer than half of the checkpoint's weights
    belong to the model (``load_partial`` skips that rule: MMEngine's non-strict fine-tuning);
    resuming checks the weights strictly and the optimizer's parameter groups and state shapes.
    """
    cfg = runner.cfg
    load_from = cfg.get('load_from')
    if cfg.get('resume', False) and not testing:
        path = load_from or find_latest_checkpoint(runner.work_dir)
        if path:
            check_resume(runner, path)
    elif load_from and testing:
        check_strict(_model(runner), load_from, _config_name(cfg))
    elif load_from and not load_partial:
        check_load_from(_model(runner), load_from, _config_name(cfg))


def check_strict(model: nn.Module, path: str, config_name: str, what: str = 'model') -> None:
    """Every weight of the model is in the checkpoint with its shape, and nothing else is."""
    own = model.state_dict()
    state = runner_state_dict(load_checkpoint_file(path, what))
    mismatch = compare_state_dicts(own, state)
    if mismatch:
        raise checkpoint_mismatch_error(
            path,
            what,
            mismatch,
            target=f'the model of {config_name}',
            fix='tools/test.py loads every weight strictly: give the checkpoint trained with this '
            'config, or the config (and --cfg-options) the checkpoint was trained with.'
            + _kind_hint(own, state),
        )


def check_load_from(model: nn.Module, path: str, config_name: str) -> None:
    """``load_from`` fine-tunes from a checkpoint of the same model: stop when a shared weight has
    another shape or fewer than half of the checkpoint's weights belong to this model."""
    own = model.state_dict()
    state = runner_state_dict(load_checkpoint_file(path, 'load_from'))
    mismatch = compare_state_dicts(own, state)
    fitting = len(state) - len(mismatch.unexpected) - len(mismatch.wrong_shape)
    if mismatch.wrong_shape or fitting == 0 or 2 * fitting < len(state):
        raise checkpoint_mismatch_error(
            path,
            'load_from',
            mismatch,
            target=f'the model of {config_name} ({fitting} of its {len(state)} weights fit)',
            fix="Give a checkpoint of this config's model, or train with the config the "
            'checkpoint came from; to load only the weights that fit on purpose (e.g. another '
            'class count), add --load-partial.' + _kind_hint(own, state),
        )


def check_resume(runner: Runner, path: str) -> None:
    """The weights fit strictly and the optimizer state fits this config's optimizer."""
    checkpoint = load_checkpoint_file(path, 'resume')
    model = _model(runner)
    own = model.state_dict()
    state = runner_state_dict(checkpoint)
    mismatch = compare_state_dicts(own, state)
    problems = [mismatch.describe()] if mismatch else []
    saved_optimizer = checkpoint.get('optimizer') if isinstance(checkpoint, dict) else None
    if not mismatch and saved_optimizer is not None:
        built = runner.optim_wrapper
        if isinstance(built, Mapping):  # still a config until runner.train() builds it
            built = runner.build_optim_wrapper(copy.deepcopy(built))
        names = {param: name for name, param in model.named_parameters()}
        problems += optimizer_mismatch(built, saved_optimizer, names)
    if not problems:
        return
    here = _config_name(runner.cfg)
    origin = _origin_config(checkpoint)
    if origin and origin != osp.splitext(here)[0]:
        source = (
            f' It was written by a run of {origin!r} (checkpoint meta). Resume with that '
            f'config (tools/train.py <its path>/{origin}.py --resume {path}), or'
        )
    else:
        source = (
            ' It was written by a run of this config before the model or optimizer '
            'settings changed. Resume with the settings of that run (its work dir holds '
            'its config as <config name>.json), or'
        )
    raise ConfigError(
        f'--resume: checkpoint {path!r} does not fit {here}: {"; ".join(problems)}.{source} '
        'resume a checkpoint of this config (--resume without a path takes the latest one in '
        'the work dir); to start from its weights only, use load_from.' + _kind_hint(own, state)
    )


def optimizer_mismatch(
    built: object, saved: object, names: Mapping[torch.Tensor, str]
) -> List[str]:
    """How a saved optimizer state differs from the optimizer this config builds: the parameter
    groups and their sizes, and state tensors (momentum, Adam moments) of another shape."""
    if isinstance(built, OptimWrapperDict):
        if not isinstance(saved, Mapping):
            return ['optimizer: the checkpoint holds one optimizer, this config several']
        problems: List[str] = []
        for name, wrapper in built.items():
            if name not in saved:
                problems.append(f'optimizer {name!r}: not in the checkpoint')
            else:
                problems += _one_optimizer(
                    wrapper.optimizer, saved[name], names, f'optimizer {name!r}'
                )
        return problems
    return _one_optimizer(built.optimizer, saved, names, 'optimizer')


def _one_optimizer(
    optimizer: torch.optim.Optimizer, saved: object, names: Mapping[torch.Tensor, str], label: str
) -> List[str]:
    groups = saved.get('param_groups') if isinstance(saved, Mapping) else None
    if not isinstance(groups, list):
        return [f'{label}: the checkpoint holds no optimizer state of this kind']
    saved_sizes = [len(g.get('params', [])) for g in groups]
    own_sizes = [len(g['params']) for g in optimizer.param_groups]
    if saved_sizes != own_sizes:
        return [
            f'{label}: {_groups(saved_sizes)} in the checkpoint vs {_groups(own_sizes)} in '
            'this config'
        ]
    # torch's Optimizer.load_state_dict pairs saved ids and parameters in group order
    params = [p for g in optimizer.param_groups for p in g['params']]
    position = {pid: i for i, pid in enumerate(chain.from_iterable(g['params'] for g in groups))}
    wrong = []
    for pid, entry in (saved.get('state') or {}).items():
        param = params[position[pid]] if pid in position else None
        for key, value in entry.items() if param is not None else ():
            if isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape != param.shape:
                wrong.append(
                    f'{names.get(param, "?")} ({key} {tuple(value.shape)} vs parameter '
                    f'{tuple(param.shape)})'
                )
                break
    if not wrong:
        return []
    more = f' ... ({len(wrong)} in all)' if len(wrong) > 3 else ''
    return [f'{label}: state of another shape: {", ".join(wrong[:3])}{more}']


def _groups(sizes: List[int]) -> str:
    """'2 parameter groups of 10, 4 parameters', shortened for one group per parameter."""
    shown = ', '.join(map(str, sizes[:4])) + (', ...' if len(sizes) > 4 else '')
    return (
        f'{len(sizes)} parameter group{"s" if len(sizes) != 1 else ""} of {shown} '
        f'parameter{"s" if sum(sizes) != 1 else ""}'
    )


def _model(runner: Runner) -> nn.Module:
    return runner.model.module if is_model_wrapper(runner.model) else runner.model


def _config_name(cfg: object) -> str:
    filename = getattr(cfg, 'filename', None)
    return osp.basename(filename) if filename else 'this config'


def _origin_config(checkpoint: object) -> Optional[str]:
    """The config name of the run that wrote an MMEngine checkpoint: its ``experiment_name`` is
    ``<config name>_<YYYYmmdd_HHMMSS>``."""
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    name = meta.get('experiment_name') if isinstance(meta, dict) else None
    return re.sub(r'_\d{8}_\d{6}$', '', name) if isinstance(name, str) and name else None


def _kind_hint(own: Mapping[str, object], state: Mapping[str, object]) -> str:
    """Say so when the checkpoint is a distiller's and the model plain, or the other way round
    (judged on all keys: a distiller checkpoint that differs only in, say, a connector is still
    a distiller's)."""
    ckpt_distiller = any(k.startswith('student.') for k in state)
    model_distiller = any(k.startswith('student.') for k in own)
    if ckpt_distiller and not model_distiller:
        return (
            ' It is an mmkd distiller checkpoint: give its distillation config, or export '
            'its student with tools/export_student.py.'
        )
    if model_distiller and not ckpt_distiller:
        return ' It is a plain model checkpoint, not one of a distiller.'
    return ''
