"""Checks before a run starts, so that bad input ends in one line naming the problem and the fix,
not in a traceback from deep inside MMEngine, or in a crash after the work is done.

* :func:`read_config`: a missing or unparsable config file;
* :func:`preflight`: an unwritable work dir, a missing data root and an empty dataset;
* :func:`add_data_check_hook`: unreadable images / label maps and label values out of range,
  which only show once a sample is loaded (see :class:`mmkd.engine.DataCheckHook`);
* :func:`disk_full_message`: the one line for a full disk (``ENOSPC``).

The config's keys are checked by :func:`mmkd.utils.config_check.check_config`.
"""

import errno
import os
import os.path as osp
import tempfile
from typing import Any, Iterator, Optional, Sequence, Tuple

from mmengine.config import Config
from mmengine.dataset import BaseDataset
from mmengine.registry import DATASETS, DefaultScope
from mmengine.runner import find_latest_checkpoint

from mmkd.utils.config_check import ConfigChecker
from mmkd.utils.errors import ConfigError

DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


def read_config(path: str) -> Config:
    """``Config.fromfile``, with a missing file or a syntax error reported in one line."""
    if '::' not in path and not osp.isfile(path):
        raise ConfigError(
            f'config file not found: {path}. Give the path of an existing config '
            'file (e.g. configs/kd/seg_kd_demo.py).'
        )
    try:
        return Config.fromfile(path)
    except FileNotFoundError as err:  # a missing _base_ file
        raise ConfigError(f'{path}: {err}. Fix the _base_ path in the config.') from err
    except SyntaxError as err:
        raise ConfigError(f'{path}: {err}. Fix the config file.') from err


def train_splits(cfg: Config) -> Tuple[str, ...]:
    """The dataloaders tools/train.py uses: train, and val when validation is configured."""
    with_val = all(cfg.get(k) is not None for k in ('val_cfg', 'val_dataloader', 'val_evaluator'))
    return ('train', 'val') if with_val else ('train',)


def preflight(cfg: Config, splits: Sequence[str]) -> None:
    """Before building the Runner: the work dir can be written, and every dataset of
    ``splits`` (e.g. ('train', 'val')) exists and is not empty."""
    check_work_dir(cfg.work_dir)
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if isinstance(loader, dict):
            for where, dataset in _leaf_datasets(
                f'{split}_dataloader.dataset', loader.get('dataset')
            ):
                check_dataset(where, dataset, cfg.get('default_scope'))


def add_data_check_hook(cfg: Config) -> None:
    """Let ``mmkd.DataCheckHook`` name the file behind a data fault met during the run."""
    hooks = custom_hooks(cfg)
    if not any(str(h.get('type', '')).endswith('DataCheckHook') for h in hooks):
        hooks.append(dict(type='mmkd.DataCheckHook'))


def custom_hooks(cfg: Config) -> list:
    """The config's custom_hooks list, created if absent. (Not ``cfg.setdefault(key, [])``:
    ConfigDict stores a converted copy of the default, so appending to it is lost.)"""
    if cfg.get('custom_hooks') is None:
        cfg.custom_hooks = []
    return cfg.custom_hooks


def check_work_dir(work_dir: str) -> None:
    """Create ``work_dir`` and write a little to it now, rather than fail on the first log line,
    the dumped config or the first checkpoint."""
    try:
        os.makedirs(work_dir, exist_ok=True)
        with tempfile.TemporaryFile(dir=work_dir) as probe:
            probe.write(b'\0' * 4096)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as err:
        if err.errno in DISK_FULL_ERRNOS:
            raise ConfigError(disk_full_message(err, work_dir)) from err
        raise ConfigError(
            f'work dir {work_dir} cannot be written ({err.strerror}): choose '
            'another --work-dir, or make this one a writable directory.'
        ) from err


def disk_full_message(err: BaseException, path: Optional[str] = None) -> Optional[str]:
    """The one-line message for a full disk or quota, or None for any other error. When the
    failed file sits beside MMEngine's ``last_checkpoint`` record, the message names that
    checkpoint: checkpoints are written atomically (mmkd.engine.fileio), so it is intact."""
    if not isinstance(err, OSError) or err.errno not in DISK_FULL_ERRNOS:
        return None
    path = path or err.filename
    where = f' writing {path}' if path else ''
    last = _last_good_checkpoint(path)
    then = (
        f'The last good checkpoint is {last}: free space, then continue with --resume {last}.'
        if last
        else 'Then run again (--resume continues from the last checkpoint).'
    )
    return (
        f'no space left on the device{where} ({err.strerror}): free some space or choose a '
        f'--work-dir on another disk. {then}'
    )


def _last_good_checkpoint(path: Optional[str]) -> Optional[str]:
    """The checkpoint saved last beside ``path``, unless it is the file that failed."""
    last = last_saved_checkpoint(osp.dirname(path)) if path else None
    return last if last != path else None


def last_saved_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint MMEngine's ``last_checkpoint`` record in ``work_dir`` names (read by
    MMEngine's ``find_latest_checkpoint``; a relative name is taken relative to ``work_dir``),
    or None when there is no record or it names no existing file. The record's absence is
    checked first because ``find_latest_checkpoint`` prints a line for it, which would break the
    one-line messages."""
    if not osp.isfile(osp.join(work_dir, 'last_checkpoint')):
        return None
    last = find_latest_checkpoint(work_dir)
    if last and not osp.isabs(last):
        last = osp.join(work_dir, last)
    return last if last and osp.isfile(last) else None


# ------------------------------------------------------------------------------------- data
def _data_fix(where: str) -> str:
    return (
        "generate the data (mmkd's demo data: python tools/data/make_demo_data.py) or "
        'download the dataset there, or point the config at it: --cfg-options '
        f'{where}.data_root=PATH'
    )


def _leaf_datasets(where: str, cfg: Any) -> Iterator[Tuple[str, dict]]:
    """The datasets that read files, below dataset wrappers (ConcatDataset, RepeatDataset)."""
    if not isinstance(cfg, dict):
        return
    nested = [(k, cfg[k]) for k in ('dataset', 'datasets') if k in cfg]
    if not nested:
        yield where, cfg
    for key, value in nested:
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                yield from _leaf_datasets(f'{where}.{key}[{i}]', item)
        else:
            yield from _leaf_datasets(f'{where}.{key}', value)


def check_dataset(where: str, cfg: dict, scope: Optional[str]) -> None:
    """The dataset's directories exist and it has at least one sample."""
    dataset_type = ConfigChecker(scope).resolve(DATASETS, cfg.get('type'), cfg.get('_scope_'))
    if not (isinstance(dataset_type, type) and issubclass(dataset_type, BaseDataset)):
        return  # not an MMEngine dataset: its files cannot be told from its config
    if _downloads(dataset_type, cfg) or cfg.get('backend_args') is not None:
        return  # fetched, or read from a non-local storage
    name = dataset_type.__name__
    missing = next(_missing_paths(cfg), None)
    if missing is not None:
        raise ConfigError(
            f'{where}: {missing} does not exist (data_root of {name}: '
            f'{cfg.get("data_root")}). Fix: {_data_fix(where)}.'
        )
    with DefaultScope.overwrite_default_scope(scope):
        # lazy and unserialized: only the sample list is read, not kept, for the count
        try:
            dataset = DATASETS.build({**cfg, 'lazy_init': True, 'serialize_data': False})
            dataset.full_init()
        except (OSError, AssertionError, RuntimeError) as err:
            raise ConfigError(
                f'{where}: {name} at {cfg.get("data_root")} cannot be read: '
                f'{err}. Fix: {_data_fix(where)}.'
            ) from err
    if len(dataset) == 0:
        prefix = ', '.join(
            f'{k}={v}'
            for k, v in (('data_prefix', cfg.get('data_prefix')), ('ann_file', cfg.get('ann_file')))
            if v
        )
        raise ConfigError(
            f'{where}: {name} found no samples in {cfg.get("data_root")} '
            f'({prefix or "no data_prefix/ann_file"}). Fix: check data_root, '
            f'data_prefix, ann_file and the file suffixes, or '
            f'{_data_fix(where)}.'
        )


def _downloads(dataset_type: type, cfg: dict) -> bool:
    """The dataset downloads itself when its files are missing (e.g. mmpretrain's CIFAR10)."""
    import inspect

    param = inspect.signature(dataset_type).parameters.get('download')
    default = param.default if param is not None else False
    return bool(cfg.get('download', default is True))


def _missing_paths(cfg: dict) -> Iterator[str]:
    """data_root, then each data_prefix directory and the ann_file, joined as MMEngine's
    BaseDataset joins them, that does not exist."""
    root = cfg.get('data_root') or ''
    if root and not osp.isdir(root):
        yield root
        return
    prefixes = cfg.get('data_prefix') or {}
    paths = list(prefixes.values()) if isinstance(prefixes, dict) else [prefixes]
    paths.append(cfg.get('ann_file') or '')
    for path in paths:
        if isinstance(path, str) and path and '://' not in path:
            full = path if osp.isabs(path) else osp.join(root, path)
            if not osp.exists(full):
                yield full
