"""Check a merged config's keys before anything is built or trained.

MMEngine ignores top-level keys it does not know and hands every component's keys to that
component's constructor, so a misspelt key is silently ignored (``train_dataloadr.batch_size``),
ends in a bare ``TypeError`` (``train_cfg.max_iter``), or, worst, only fails when it is first
used: ``default_hooks.checkpoint.intervl`` trains and then crashes at the first save. This check
reports every such key at once, one line each with the config path and the closest valid name.

What is checked:

* top-level keys given in ``--cfg-options`` that neither the config file nor MMEngine's Runner
  knows, and top-level keys in the file that are nearly the name of a Runner setting (a config's
  own helper variables, e.g. ``crop_size`` or ``train_pipeline``, are fine);
* the keys of every component whose ``type`` resolves in MMEngine's registries (with the
  config's ``default_scope``, ``_scope_`` and ``scope.Name`` prefixes, as MMEngine resolves them):
  hooks, loops, dataloaders and their datasets, samplers, pipeline transforms and collate
  functions, the optimizer wrapper and optimizer, parameter schedulers, evaluators and metrics,
  the visualizer and its backends, the log processor, and the model with its backbone, neck,
  heads and losses (for a distiller: its student and teacher models).

A class whose constructor takes ``**kwargs`` is checked against the arguments those kwargs are
passed on to when that is visible in its code (``super().__init__(**kwargs)``, e.g. mmseg's
``PSPHead`` -> ``BaseDecodeHead``) or when they are dropped unused; otherwise it is skipped.
Layer settings (``norm_cfg``, ``act_cfg``, ``init_cfg`` ...) are not checked: their builders
consume some keys themselves.

``MMKD_NO_CONFIG_CHECK=1`` turns the check off (for a component this check misjudges).
"""

import functools
import inspect
import os
import re
from typing import Any, Iterator, List, Mapping, Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.registry import (
    DATA_SAMPLERS,
    DATASETS,
    EVALUATOR,
    FUNCTIONS,
    HOOKS,
    LOG_PROCESSORS,
    LOOPS,
    METRICS,
    MODELS,
    OPTIM_WRAPPERS,
    OPTIMIZERS,
    PARAM_SCHEDULERS,
    TRANSFORMS,
    VISBACKENDS,
    VISUALIZERS,
    Registry,
)

from mmkd.utils.errors import ConfigError, did_you_mean

# Top-level keys MMEngine (Runner, FlexibleRunner, the runner's cfg.get calls), the OpenMMLab
# tools and mmkd's tools read, besides the Runner's constructor arguments.
EXTRA_TOP_LEVEL_KEYS = (
    'custom_imports',
    'runner_type',
    'model_wrapper_cfg',
    'sync_bn',
    'find_unused_parameters',
    'activation_checkpointing',
    'efficient_conv_bn_eval',
    'compile',
    'strategy',
    'launcher',
    'work_dir',
    'tta_model',
    'tta_pipeline',
    'vis_backends',
    'aid_adaptation',
)
# A config file's own top-level name this few edits (insert, delete, replace, swap) away from a
# Runner setting is taken for a misspelling of it: 'train_dataloadr' (1) and 'default_hook' (1)
# are, helper variables such as 'depth_preprocessor' (3) or 'train_pipeline' are not. (Of the
# upstream mmseg/mmpretrain configs, only mmseg's bisenetv2 OHEM config is flagged: its
# `models = dict(...)` is such a typo, which silently drops its OHEM sampler.)
TOP_LEVEL_TYPO_EDITS = 2
# Keys MMEngine's build functions consume before calling the constructor.
BUILD_KEYS = ('type', '_scope_')
# The model parts that are checked below a model (the rest are layer settings or task utils).
MODEL_PARTS = (
    'backbone',
    'neck',
    'decode_head',
    'auxiliary_head',
    'head',
    'loss_decode',
    'loss',
    'loss_cls',
    'data_preprocessor',
)
# mmkd models that hold other models' configs (``teachers`` maps names to dict(model=...)).
NESTED_MODELS = ('student', 'teacher', 'reference_student')


def check_config(cfg: Config) -> None:
    """Raise one ConfigError naming every unknown key in ``cfg`` (one line each)."""
    if os.environ.get('MMKD_NO_CONFIG_CHECK'):
        return
    problems = ConfigChecker(cfg.get('default_scope')).check(cfg)
    if problems:
        raise ConfigError('\n'.join(problems))


def check_option_keys(cfg: Config, options: Mapping[str, Any]) -> None:
    """Before merging ``--cfg-options``: a new top-level key would be ignored by MMEngine."""
    if os.environ.get('MMKD_NO_CONFIG_CHECK'):
        return
    known = list(cfg.keys()) + list(runner_keys()) + list(EXTRA_TOP_LEVEL_KEYS)
    problems = []
    for option in options:
        top = option.split('.', 1)[0]
        if top not in known:
            problems.append(
                f'--cfg-options {option}: the config has no key {top!r}, so this '
                f'option would be ignored.{did_you_mean(top, known)}'
            )
    if problems:
        raise ConfigError('\n'.join(problems))


@functools.lru_cache(maxsize=None)
def runner_keys() -> Tuple[str, ...]:
    """The settings MMEngine's runners take from a config's top level."""
    from mmengine.runner import FlexibleRunner, Runner

    keys: List[str] = []
    for runner in (Runner, FlexibleRunner):
        keys += [k for k in inspect.signature(runner).parameters if k not in keys + ['cfg']]
    return tuple(keys)


@functools.lru_cache(maxsize=None)
def accepted_keys(target: Any) -> Optional[Tuple[str, ...]]:
    """The keyword arguments ``target`` (a class or function) accepts, or None when it takes
    ``**kwargs`` whose destination cannot be seen."""
    if not inspect.isclass(target):
        return _signature_keys(target, follow=False)
    names: List[str] = []
    for klass in target.__mro__:
        if '__init__' not in vars(klass):
            continue
        if klass in _STOP_CLASSES:  # nn.Module/object: they take no extra keyword arguments
            return tuple(names)
        if klass in _KWARGS_PASSED_TO_NOTHING:
            return tuple(names + [k for k in _named_params(klass.__init__) if k not in names])
        keys = _signature_keys(klass.__init__, follow=True)
        if keys is None:
            return None
        names += [k for k in keys if k not in names]
        if not _passes_kwargs_up(klass.__init__):
            return tuple(names)
    return tuple(names)


def _signature_keys(func: Any, follow: bool) -> Optional[Tuple[str, ...]]:
    """Named parameters of ``func`` (plus the ``kwargs['x']`` / ``kwargs.pop('x')`` keys it reads),
    or None if it takes ``**kwargs`` that go anywhere but up the class hierarchy (``follow``) or
    nowhere at all."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return None
    names = _named_params(func)
    var_kw = next((k for k, p in params.items() if p.kind is p.VAR_KEYWORD), None)
    if var_kw is None:
        return tuple(names)
    source = _source(func)
    if source is None:
        return None
    read = re.findall(
        rf'\b{var_kw}\s*(?:\.(?:pop|get|setdefault)\(\s*|\[\s*)[\'"](\w+)[\'"]', source
    )
    names += [k for k in read if k not in names]
    uses = len(re.findall(rf'\b{var_kw}\b', source))
    if uses <= 1:  # declared and never used: extra keys are dropped silently
        return tuple(names)
    if follow and _passes_kwargs_up(func):
        return tuple(names)
    return None


def _named_params(func: Any) -> List[str]:
    params = inspect.signature(func).parameters
    return [
        k
        for k, p in params.items()
        if k != 'self' and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _passes_kwargs_up(func: Any) -> bool:
    """``func`` (an ``__init__``) hands its ``**kwargs`` to the parent class's ``__init__``."""
    params = inspect.signature(func).parameters
    var_kw = next((k for k, p in params.items() if p.kind is p.VAR_KEYWORD), None)
    source = _source(func)
    if var_kw is None or source is None:
        return False
    call = re.search(
        rf'(?:super\([^)]*\)\.__init__|\w+\.__init__)\((?:[^()]|\([^()]*\))*'
        rf'\*\*{var_kw}\b',
        source,
    )
    return call is not None


def _source(func: Any) -> Optional[str]:
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return None


def _stop_classes() -> Tuple[type, ...]:
    import torch.nn as nn

    return (object, nn.Module)


def _kwargs_passed_to_nothing() -> Tuple[type, ...]:
    # CheckpointHook keeps its **kwargs for Runner.save_checkpoint, which accepts no argument
    # the hook does not already pass: any extra key fails at the first save.
    from mmengine.hooks import CheckpointHook

    return (CheckpointHook,)


_STOP_CLASSES = _stop_classes()
_KWARGS_PASSED_TO_NOTHING = _kwargs_passed_to_nothing()


class ConfigChecker:
    """Walks a config, checking each component's keys; collects one line per problem."""

    def __init__(self, default_scope: Optional[str]) -> None:
        self.scope = default_scope
        self.problems: List[str] = []

    def check(self, cfg: Config) -> List[str]:
        self._top_level(cfg)
        for split in ('train', 'val', 'test'):
            self._dataloader(f'{split}_dataloader', cfg.get(f'{split}_dataloader'))
        self._train_loop(cfg.get('train_cfg'))
        for split, default in (('val', 'ValLoop'), ('test', 'TestLoop')):
            self.component(
                f'{split}_cfg',
                cfg.get(f'{split}_cfg'),
                LOOPS,
                default,
                exclude=('runner', 'dataloader', 'evaluator'),
            )
            self._evaluator(f'{split}_evaluator', cfg.get(f'{split}_evaluator'))
        for name, hook in (cfg.get('default_hooks') or {}).items():
            self.component(f'default_hooks.{name}', hook, HOOKS, extra=('priority',))
        for i, hook in enumerate(cfg.get('custom_hooks') or []):
            self.component(f'custom_hooks[{i}]', hook, HOOKS, extra=('priority',))
        self._optim_wrapper(cfg.get('optim_wrapper'))
        for where, scheduler in _items('param_scheduler', cfg.get('param_scheduler')):
            self.component(
                where,
                scheduler,
                PARAM_SCHEDULERS,
                exclude=('optimizer',),
                extra=('convert_to_iter_based',),
            )
        visualizer = cfg.get('visualizer')
        self.component('visualizer', visualizer, VISUALIZERS)
        if isinstance(visualizer, dict):
            for where, backend in _items('visualizer.vis_backends', visualizer.get('vis_backends')):
                self.component(where, backend, VISBACKENDS)
        self.component('log_processor', cfg.get('log_processor'), LOG_PROCESSORS, 'LogProcessor')
        self._plain_keys(
            'randomness',
            cfg.get('randomness'),
            'Runner.set_randomness',
            ('seed', 'diff_rank_seed', 'deterministic'),
        )
        self._plain_keys(
            'env_cfg',
            cfg.get('env_cfg'),
            'the runner environment',
            ('cudnn_benchmark', 'mp_cfg', 'dist_cfg', 'resource_limit'),
        )
        self._plain_keys(
            'auto_scale_lr',
            cfg.get('auto_scale_lr'),
            'auto_scale_lr',
            ('enable', 'base_batch_size'),
        )
        self.model('model', cfg.get('model'))
        return self.problems

    # ------------------------------------------------------------------------------ pieces
    def component(
        self,
        where: str,
        cfg: Any,
        registry: Registry,
        default_type: Any = None,
        exclude: Sequence[str] = (),
        extra: Sequence[str] = (),
    ) -> Optional[Any]:
        """Check the keys of one dict MMEngine builds from ``registry``; its class, or None
        when it cannot be resolved (MMEngine's build then reports the unknown type)."""
        if not isinstance(cfg, dict):
            return None
        target = self.resolve(registry, cfg.get('type', default_type), cfg.get('_scope_'))
        if target is None:
            return None
        keys = accepted_keys(target)
        if keys is not None:
            valid = [k for k in keys if k not in exclude] + list(extra)
            unknown = [k for k in cfg if k not in valid and k not in BUILD_KEYS]
            if unknown:
                self.report(where, getattr(target, '__name__', str(target)), unknown, valid)
        return target

    def resolve(self, registry: Registry, type_: Any, scope: Optional[str]) -> Optional[Any]:
        """The class or function ``type_`` names, found as MMEngine's build would find it."""
        if not isinstance(type_, str):
            return type_ if callable(type_) else None
        with registry.switch_scope_and_registry(scope or self.scope) as scoped:
            try:
                return scoped.get(type_)
            except RuntimeError:  # 'Failed to get X': left to MMEngine's build to report
                return None

    def report(self, where: str, owner: str, unknown: List[str], valid: List[str]) -> None:
        if len(unknown) == 1:
            hint = did_you_mean(unknown[0], valid) or f' Valid keys: {", ".join(valid)}.'
        else:
            hint = (
                ' '
                + '; '.join(f'{k!r}:{did_you_mean(k, valid) or " no close match"}' for k in unknown)
                + f' (valid keys: {", ".join(valid)})'
            )
        self.problems.append(f'{where}: unknown key(s) {unknown} for {owner}.{hint}')

    def _top_level(self, cfg: Config) -> None:
        known = set(runner_keys()) | set(EXTRA_TOP_LEVEL_KEYS)
        for key in cfg.keys():
            if key in known:
                continue
            close = [k for k in runner_keys() if edit_distance(key, k) <= _max_edits(k)]
            if close:
                self.problems.append(
                    f'{key}: not a setting MMEngine reads (it would be ignored). '
                    f'Did you mean: {close[0]!r}?'
                )

    def _plain_keys(self, where: str, cfg: Any, owner: str, valid: Sequence[str]) -> None:
        if isinstance(cfg, dict):
            unknown = [k for k in cfg if k not in valid]
            if unknown:
                self.report(where, owner, unknown, list(valid))

    def _dataloader(self, where: str, cfg: Any) -> None:
        if not isinstance(cfg, dict):
            return
        self._plain_keys(where, cfg, 'the dataloader', dataloader_keys())
        self.dataset(f'{where}.dataset', cfg.get('dataset'))
        self.component(
            f'{where}.sampler', cfg.get('sampler'), DATA_SAMPLERS, exclude=('dataset', 'seed')
        )
        self.component(
            f'{where}.batch_sampler',
            cfg.get('batch_sampler'),
            DATA_SAMPLERS,
            exclude=('sampler', 'batch_size'),
        )
        self.component(
            f'{where}.collate_fn', cfg.get('collate_fn'), FUNCTIONS, exclude=('data_batch',)
        )

    def dataset(self, where: str, cfg: Any) -> None:
        if self.component(where, cfg, DATASETS) is None:
            return
        for key in ('dataset', 'datasets'):  # dataset wrappers (ConcatDataset, RepeatDataset)
            for sub_where, sub in _items(f'{where}.{key}', cfg.get(key)):
                self.dataset(sub_where, sub)
        self._pipeline(f'{where}.pipeline', cfg.get('pipeline'))

    def _pipeline(self, where: str, transforms: Any) -> None:
        for sub_where, transform in _items(where, transforms):
            if isinstance(transform, (list, tuple)):  # TestTimeAug: a list of lists
                self._pipeline(sub_where, transform)
                continue
            target = self.component(sub_where, transform, TRANSFORMS)
            # mmcv's wrappers (Compose, RandomChoice, TestTimeAug ...) hold transforms in turn
            if target is not None and getattr(target, '__module__', '').startswith('mmcv.'):
                for key in ('transforms', 'transform'):
                    if key in transform:
                        self._pipeline(f'{sub_where}.{key}', transform[key])

    def _train_loop(self, cfg: Any) -> None:
        if not isinstance(cfg, dict):
            return
        default = None
        if 'type' not in cfg and 'by_epoch' in cfg:
            default = 'EpochBasedTrainLoop' if cfg['by_epoch'] else 'IterBasedTrainLoop'
        self.component(
            'train_cfg',
            cfg,
            LOOPS,
            default,
            exclude=('runner', 'dataloader'),
            extra=('by_epoch',) if default else (),
        )

    def _evaluator(self, where: str, cfg: Any) -> None:
        if isinstance(cfg, dict) and 'metrics' in cfg:
            self.component(where, cfg, EVALUATOR, 'Evaluator')
            cfg = cfg['metrics']
            where = f'{where}.metrics'
        for sub_where, metric in _items(where, cfg):
            self.component(sub_where, metric, METRICS)

    def _optim_wrapper(self, cfg: Any) -> None:
        if not isinstance(cfg, dict) or not ('type' in cfg or 'optimizer' in cfg):
            return  # several named optimizer wrappers, or a custom constructor's format
        if 'constructor' not in cfg:
            self.component(
                'optim_wrapper',
                cfg,
                OPTIM_WRAPPERS,
                'OptimWrapper',
                extra=('constructor', 'paramwise_cfg'),
            )
        self.component(
            'optim_wrapper.optimizer', cfg.get('optimizer'), OPTIMIZERS, exclude=('params',)
        )

    def model(self, where: str, cfg: Any) -> None:
        target = self.component(where, cfg, MODELS)
        if target is None:
            return
        if getattr(target, '__module__', '').startswith('mmkd.'):
            for key in NESTED_MODELS:
                self.model_config(f'{where}.{key}', cfg.get(key))
            for name, spec in (cfg.get('teachers') or {}).items():
                if isinstance(spec, dict):
                    self.model_config(f'{where}.teachers.{name}.model', spec.get('model'))
        for key in MODEL_PARTS:
            for sub_where, part in _items(f'{where}.{key}', cfg.get(key)):
                self.model(sub_where, part)

    def model_config(self, where: str, cfg: Any) -> None:
        """A student/teacher: an inline model dict or ``dict(cfg_path=..., **overrides)``."""
        if not isinstance(cfg, dict):
            return
        if 'cfg_path' in cfg:
            from mmkd.models.build import resolve_model_cfg

            try:
                cfg = resolve_model_cfg(cfg)
            except (OSError, ValueError):  # the distiller reports an unreadable cfg_path
                return
        self.model(where, cfg)


def _max_edits(key: str) -> int:
    return 1 if len(key) <= 6 else TOP_LEVEL_TYPO_EDITS  # 'model', 'resume': one edit only


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn ``a`` into ``b``."""
    previous2: List[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], previous2[j - 2] + 1)
        previous2, previous = previous, row
    return previous[-1]


@functools.lru_cache(maxsize=None)
def dataloader_keys() -> Tuple[str, ...]:
    """torch's DataLoader arguments plus the keys MMEngine's Runner.build_dataloader reads."""
    from torch.utils.data import DataLoader

    return tuple(inspect.signature(DataLoader).parameters) + (
        'num_batch_per_epoch',
        'disable_subprocess_warning',
    )


def _items(where: str, value: Any) -> Iterator[Tuple[str, Any]]:
    """(path, item) for one config item or each item of a list."""
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield f'{where}[{i}]', item
    elif value is not None:
        yield where, value


__all__ = ['check_config', 'check_option_keys', 'accepted_keys', 'ConfigChecker']
