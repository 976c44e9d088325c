"""Build the student and teacher from an inline model dict or from another config file."""
import copy
from typing import Any, Mapping

from mmengine.config import Config, ConfigDict
from mmengine.hub import get_config
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
    # Config.fromfile reads `mmseg::` paths only inside _base_; get_config reads them directly.
    model = (get_config(path) if '::' in path else Config.fromfile(path)).get('model')
    if model is None:
        raise ValueError(f'{path} has no `model` field to build a student or teacher from.')
    # Config._merge_a_into_b is how MMEngine itself merges child configs into their bases.
    return ConfigDict(Config._merge_a_into_b(cfg, copy.deepcopy(dict(model))))


def build_model(cfg: Mapping[str, Any]) -> nn.Module:
    return MODELS.build(resolve_model_cfg(cfg))
