"""Build the student and teacher from an inline model dict or from another config file."""

import copy
import os.path as osp
from typing import Any, Mapping

from mmengine.config import Config, ConfigDict
from mmengine.utils import get_installed_path
from torch import nn

from mmkd.registry import MODELS


def resolve_model_cfg(cfg: Mapping[str, Any]) -> ConfigDict:
    """Turn ``dict(cfg_path='mmseg::pspnet/....py', **overrides)`` into a plain model dict.

    ``cfg_path`` may be any path ``Config.fromfile`` reads, including the ``mmseg::`` and
    ``mmpretrain::`` package prefixes; its ``model`` field is taken and the other keys given next
    to ``cfg_path`` are merged into it recursively (as ``_base_`` inheritance would). A dict
    without ``cfg_path`` is returned as is.
    """
    cfg = copy.deepcopy(dict(cfg))
    path = cfg.pop('cfg_path', None)
    if path is None:
        return ConfigDict(cfg)
    model = Config.fromfile(_config_file(path)).get('model')
    if model is None:
        raise ValueError(f'{path} has no `model` field to build a student or teacher from.')
    # Config._merge_a_into_b is how MMEngine itself merges child configs into their bases.
    return ConfigDict(Config._merge_a_into_b(cfg, copy.deepcopy(dict(model))))


def _config_file(path: str) -> str:
    """The file behind ``mmseg::pspnet/x.py``: ``<mmseg>/.mim/configs/pspnet/x.py``, where
    MMEngine finds such ``_base_`` paths. (``mmengine.hub.get_config`` finds the same file but
    first parses every metafile of the package: over a second per student or teacher.)"""
    if '::' not in path:
        return path
    package, relative = path.split('::', 1)
    return osp.join(get_installed_path(package), '.mim', 'configs', relative)


def build_model(cfg: Mapping[str, Any]) -> nn.Module:
    return MODELS.build(resolve_model_cfg(cfg))
