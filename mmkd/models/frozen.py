"""Models that train next to frozen ones: one way to build, load, freeze and save them.

The Distiller (and SDKD through it) trains a student next to frozen teachers; AID trains a teacher
next to a frozen reference student and a frozen copy of itself. Both need the same guarantees,
so they share these pieces instead of each writing its own:

* a frozen model has no gradient and stays in eval mode through ``model.train()``, so neither its
  weights nor its BN running statistics change;
* it is never saved (its weights come from its own checkpoint) and is refilled from memory on
  loading, so strict loading and ``--resume`` work without listing its keys as missing;
* config mistakes fail with the closest valid names; a NaN/inf loss stops before the optimizer.
"""

import inspect
import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from mmengine.config import ConfigDict
from mmengine.logging import MessageHub, print_log
from torch import Tensor, nn

from mmkd.engine.checkpoint import load_model_weights
from mmkd.registry import MODELS
from mmkd.utils.errors import ConfigError, check_known_kwargs, did_you_mean, unknown_keys_error


class NonFiniteLossError(FloatingPointError):
    """A loss term became NaN or infinite; raised before the optimizer step, so the weights
    in memory and every saved checkpoint are still good."""


def merge_data_preprocessor(
    model_cfg: Mapping[str, Any], overrides: Optional[Mapping[str, Any]]
) -> ConfigDict:
    """``model_cfg`` with ``overrides`` (e.g. the top-level ``data_preprocessor`` MMEngine's
    Runner passes to the model) merged into its data preprocessor."""
    merged = ConfigDict(model_cfg)
    if overrides:
        merged['data_preprocessor'] = {**(merged.get('data_preprocessor') or {}), **overrides}
    return merged


def load_weights_or_warn(model: nn.Module, ckpt: Optional[str], what: str) -> nn.Module:
    """Load ``ckpt`` strictly into ``model``; without one, say once that it stays random."""
    if ckpt is not None:
        load_model_weights(model, ckpt, what)
    else:
        print_log(
            f'no checkpoint for the {what}: it keeps its random initial weights (fine for '
            'tests, useless for training).',
            level=30,
        )
    return model


def freeze(model: nn.Module) -> nn.Module:
    """No gradients and eval mode (BN statistics and dropout fixed); list the model's attribute
    name in :attr:`FrozenModelsMixin.frozen_modules` to keep it so through ``train()``."""
    model.requires_grad_(False)
    return model.eval()


def release_weights(model: nn.Module, keep: Sequence[str] = ()) -> int:
    """Free a frozen model's parameters and buffers (except those of the submodules named in
    ``keep``): each becomes an empty tensor of its dtype and device; the number of elements freed.

    The module tree and the Parameter objects stay, so ``model.to(device)``, ``state_dict()``,
    ``load_state_dict()`` (which refills frozen keys with these empty tensors) and optimizers
    holding the parameters keep working; only a forward through a freed layer fails. For a
    teacher whose every output is read from the teacher-output cache."""
    kept = {id(t) for path in keep for t in _tensors(model.get_submodule(path))}
    freed = 0
    for module in model.modules():
        for param in module._parameters.values():
            if param is not None and id(param) not in kept and param.numel():
                freed += param.numel()
                param.data = param.data.new_empty(0)
        for name, buffer in module._buffers.items():
            if buffer is not None and id(buffer) not in kept and buffer.numel():
                freed += buffer.numel()
                module._buffers[name] = buffer.new_empty(0)
    return freed


def _tensors(module: nn.Module) -> List[Tensor]:
    return [*module.parameters(), *module.buffers()]


def _normalisation(model_cfg: Mapping[str, Any]) -> Tuple[tuple, tuple, bool]:
    pre = model_cfg.get('data_preprocessor') or {}
    return (
        tuple(pre.get('mean') or ()),
        tuple(pre.get('std') or ()),
        bool(pre.get('bgr_to_rgb', pre.get('to_rgb', False))),
    )


def check_same_normalisation(
    cfg_a: Mapping[str, Any], cfg_b: Mapping[str, Any], name_a: str, name_b: str
) -> None:
    """Two models that see one batch (the data preprocessor of the first) must normalise it
    the same way, or the second silently sees shifted inputs."""
    norm_a, norm_b = _normalisation(cfg_a), _normalisation(cfg_b)
    if norm_a[0] and norm_b[0] and norm_a != norm_b:
        raise ConfigError(
            f'{name_a} and {name_b} normalise images differently (data_preprocessor mean/'
            f'std/bgr_to_rgb: {norm_a} vs {norm_b}), but both see the same batch. '
            'Give them the same data_preprocessor.'
        )


def loss_class(cfg: Mapping[str, Any], where: str) -> type:
    """The class a loss config names, with the closest names for a wrong type."""
    if 'type' not in cfg:
        raise ConfigError(f"{where}: missing `type`, e.g. type='mmkd.KLDivergence'.")
    loss_cls = MODELS.get(cfg['type']) if isinstance(cfg['type'], str) else cfg['type']
    if loss_cls is None:
        known = list(MODELS.module_dict)
        raise ConfigError(
            f'{where}: unknown type {cfg["type"]!r}.'
            f'{did_you_mean(str(cfg["type"]).split(".")[-1], known)}'
        )
    return loss_cls


def build_loss(cfg: Mapping[str, Any], where: str) -> nn.Module:
    """A loss from ``dict(type=..., **args)``, with the closest names for a wrong type or key."""
    cfg = dict(cfg)
    loss_cls = loss_class(cfg, where)
    params = {k: v for k, v in cfg.items() if k != 'type'}
    check_known_kwargs(loss_cls, params, where)
    return loss_cls(**params)


def stop_if_not_finite(loss: Tensor, log_vars: Mapping[str, Tensor]) -> None:
    """Raise :class:`NonFiniteLossError` naming the iteration, the bad terms and the last
    checkpoint when the total loss is NaN or infinite (called before the optimizer step)."""
    if torch.isfinite(loss):
        return
    bad = [k for k, v in log_vars.items() if k != 'loss' and not math.isfinite(float(v))]
    hub = MessageHub.get_current_instance()
    last = hub.get_info('last_ckpt')
    raise NonFiniteLossError(
        f'non-finite loss at iteration {hub.get_info("iter", -1) + 1}: '
        f'{", ".join(f"{k}={float(log_vars[k])}" for k in bad) or "total"}. '
        'Training stopped before the optimizer step. '
        f'Last good checkpoint: {last or "none saved yet"}'
        f'{f" (continue with --resume {last})" if last else ""}. '
        'Fix: lower the learning rate or that loss weight, or set '
        'optim_wrapper.clip_grad=dict(max_norm=...).'
    )


class FrozenModelsMixin:
    """For a ``BaseModel`` (listed before it in the bases) holding frozen submodules.

    ``frozen_modules`` names the attributes (a model or an ``nn.ModuleDict`` of them) that are
    frozen and never saved: ``train()`` keeps them in eval mode, ``state_dict()`` leaves them out
    and ``load_state_dict()`` refills their keys with their current weights.
    """

    #: attribute names of the frozen submodules
    frozen_modules: Tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register_state_dict_post_hook(_drop_frozen_from_state_dict)
        self.register_load_state_dict_pre_hook(_refill_frozen_on_load)

    @classmethod
    def config_keys(cls) -> List[str]:
        """Every constructor argument of this model and its bases (subclasses pass the rest of
        their keyword arguments up)."""
        keys: List[str] = []
        for klass in cls.__mro__:
            if '__init__' in vars(klass) and issubclass(klass, FrozenModelsMixin):
                for name, param in inspect.signature(klass.__init__).parameters.items():
                    if (
                        name != 'self'
                        and param.kind is param.POSITIONAL_OR_KEYWORD
                        and name not in keys
                    ):
                        keys.append(name)
        return keys

    @classmethod
    def reject_unknown_keys(cls, unknown: Mapping[str, Any]) -> None:
        """The config error for keys no constructor in the class hierarchy takes."""
        if unknown:
            raise unknown_keys_error('model', cls.__name__, unknown, cls.config_keys())

    def train(self, mode: bool = True) -> 'FrozenModelsMixin':
        """Train mode for everything but the frozen models, whose BN and dropout stay in eval
        mode."""
        super().train(mode)
        for name in self.frozen_modules:
            getattr(self, name).eval()
        return self

    def parse_losses(self, losses: Dict[str, Tensor]) -> Tuple[Tensor, Dict[str, Tensor]]:
        """MMEngine's loss parsing, plus a stop on NaN/inf before the optimizer step."""
        loss, log_vars = super().parse_losses(losses)
        stop_if_not_finite(loss, log_vars)
        return loss, log_vars


def _drop_frozen_from_state_dict(
    module: FrozenModelsMixin, state_dict: Dict[str, Tensor], prefix: str, local_metadata: Any
) -> None:
    frozen = tuple(f'{prefix}{name}.' for name in module.frozen_modules)
    for key in [k for k in state_dict if k.startswith(frozen)]:
        del state_dict[key]


def _refill_frozen_on_load(
    module: FrozenModelsMixin, state_dict: Dict[str, Tensor], prefix: str, *args: Any
) -> None:
    # Checkpoints carry no frozen model; fill its keys with its own loaded weights so that strict
    # loading and resuming neither fail nor list hundreds of missing keys.
    for name in module.frozen_modules:
        for key, value in getattr(module, name).state_dict().items():
            state_dict.setdefault(f'{prefix}{name}.{key}', value)
