"""The frozen-model helpers the Distiller, SDKD and AID share: a frozen model gets no gradient,
stays in eval mode, keeps its BN statistics, is never saved and is refilled on loading; config
mistakes name the closest valid names; a NaN loss stops before the optimizer step."""

import math
from typing import Any, Dict, Optional

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper
from torch import nn

from mmkd.models.frozen import (
    FrozenModelsMixin,
    NonFiniteLossError,
    build_loss,
    freeze,
    load_weights_or_warn,
    merge_data_preprocessor,
)
from mmkd.utils import ConfigError


def conv_bn() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))


class Pair(FrozenModelsMixin, BaseModel):
    """A trained conv+BN pulled towards a frozen one; ``scale`` scales the loss."""

    frozen_modules = ('reference',)

    def __init__(self, scale: float = 1.0, init_cfg: Optional[dict] = None, **unknown: Any) -> None:
        self.reject_unknown_keys(unknown)
        super().__init__(init_cfg=init_cfg)
        self.trained = conv_bn()
        self.reference = freeze(conv_bn())
        self.scale = scale

    def forward(
        self, inputs: torch.Tensor, data_samples: Any = None, mode: str = 'tensor'
    ) -> Dict[str, torch.Tensor]:
        diff = self.trained(inputs) - self.reference(inputs)
        return {'loss_pull': self.scale * diff.pow(2).mean()}


class WidePair(Pair):
    """A subclass that passes its other keyword arguments up, as SDKD does to the Distiller."""

    def __init__(self, width: int = 4, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.width = width


def snapshot(module: nn.Module) -> Dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def train_step(model: Pair) -> Dict[str, torch.Tensor]:
    optim = OptimWrapper(
        torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    )
    model.train()
    return model.train_step(dict(inputs=torch.randn(4, 3, 8, 8) * 3 + 1), optim)


def test_frozen_model_has_no_grad_and_stays_in_eval_mode():
    model = Pair()
    assert all(not p.requires_grad for p in model.reference.parameters())
    assert all(p.requires_grad for p in model.trained.parameters())
    model.train()
    assert model.training and model.trained.training
    assert not any(m.training for m in model.reference.modules())


def test_training_step_keeps_frozen_weights_and_bn_statistics():
    model = Pair()
    frozen_before, trained_before = snapshot(model.reference), snapshot(model.trained)
    train_step(model)
    for key, value in model.reference.state_dict().items():
        assert torch.equal(value, frozen_before[key]), key
    moved = [
        k for k, v in model.trained.state_dict().items() if not torch.equal(v, trained_before[k])
    ]
    assert '1.running_mean' in moved and '0.weight' in moved  # the trained one did change


def test_frozen_model_is_not_saved_and_is_refilled_on_strict_load():
    model = Pair()
    train_step(model)
    state = model.state_dict()
    assert state and not any(k.startswith('reference.') for k in state)
    assert set(state) == {f'trained.{k}' for k in model.trained.state_dict()}

    fresh = Pair()
    reference = snapshot(fresh.reference)
    fresh.load_state_dict(state, strict=True)  # what MMEngine does on --resume
    for key, value in fresh.reference.state_dict().items():
        assert torch.equal(value, reference[key]), key  # its own weights, not overwritten
    for key, value in model.trained.state_dict().items():
        assert torch.equal(value, fresh.trained.state_dict()[key]), key


def test_load_weights_or_warn(tmp_path, capsys):
    source, target = conv_bn(), conv_bn()
    path = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=source.state_dict()), path)
    assert load_weights_or_warn(target, path, 'reference') is target
    assert torch.equal(target[0].weight, source[0].weight)
    assert capsys.readouterr().out == ''

    load_weights_or_warn(conv_bn(), None, 'reference')
    out = capsys.readouterr().out
    assert out.count('no checkpoint for the reference') == 1 and 'random' in out


def test_merge_data_preprocessor_leaves_the_config_alone():
    cfg = dict(type='X', data_preprocessor=dict(mean=[1.0], std=[2.0]))
    merged = merge_data_preprocessor(cfg, dict(std=[3.0], pad_val=0))
    assert merged['data_preprocessor'] == dict(mean=[1.0], std=[3.0], pad_val=0)
    assert cfg['data_preprocessor'] == dict(mean=[1.0], std=[2.0])
    assert merge_data_preprocessor(dict(type='X'), None) == dict(type='X')


def test_config_keys_walk_the_class_hierarchy():
    assert WidePair.config_keys() == ['width', 'scale', 'init_cfg']
    with pytest.raises(ConfigError, match=r"(?s)WidePair.*'widht': Did you mean: 'width'"):
        WidePair(widht=3)


@pytest.mark.parametrize(
    'cfg, message',
    [
        (
            dict(type='mmkd.KLDivergnce'),
            r"unknown type 'mmkd.KLDivergnce'\. Did you mean: "
            r"'KLDivergence'",
        ),
        (dict(type='mmkd.KLDivergence', tua=2.0), r"unknown key.*'tua': Did you mean: 'tau'"),
        (dict(tau=2.0), r"missing `type`, e.g. type='mmkd.KLDivergence'"),
    ],
)
def test_build_loss_names_the_closest_valid_names(cfg, message):
    with pytest.raises(ConfigError, match=rf'(?s)^losses\.kd: {message}'):
        build_loss(cfg, 'losses.kd')


def test_build_loss_builds_registered_losses():
    loss = build_loss(dict(type='mmkd.KLDivergence', tau=2.0), 'losses.kd')
    assert type(loss).__name__ == 'KLDivergence' and loss.tau == 2.0


def test_nan_loss_stops_before_the_optimizer_step():
    model = Pair(scale=math.nan)
    before = snapshot(model.trained)
    with pytest.raises(NonFiniteLossError, match=r'loss_pull=nan.*Last good checkpoint'):
        train_step(model)
    for key, value in model.trained.state_dict().items():
        if not key.endswith(('running_mean', 'running_var', 'num_batches_tracked')):
            assert torch.equal(value, before[key]), key
