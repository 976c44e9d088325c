"""Every loss takes ``loss_weight`` (OpenMMLab's name); ``weight`` is its deprecated old name."""

import inspect
import logging
import math

import pytest
import torch
from mmengine.logging import MMLogger

from mmkd.models.losses import (
    ATLoss,
    ChannelWiseDivergence,
    DepthResponseLoss,
    DistillLoss,
    DISTLoss,
    DKDLoss,
    IntraClassRelation,
    KLDivergence,
    L1Feature,
    LogDepthRelation,
    MSEFeature,
    NonTargetRelation,
)
from mmkd.registry import MODELS
from mmkd.utils import ConfigError, check_known_kwargs
from mmkd.utils.config_check import accepted_keys
from tests.test_distillers.test_distiller import KD, cls_distiller


def inputs(loss_cls: type):
    """(student, teacher, extra forward kwargs) a loss of this class accepts."""
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 5, generator=g), torch.randn(4, 5, generator=g)
    feature = torch.randn(2, 3, 4, 4, generator=g), torch.randn(2, 3, 4, 4, generator=g)
    depth = torch.rand(2, 1, 4, 4, generator=g) + 0.5, torch.rand(2, 1, 4, 4, generator=g) + 0.5
    labels = dict(labels=torch.tensor([0, 1, 2, 3]))
    return {
        KLDivergence: (*logits, {}),
        DISTLoss: (*logits, {}),
        IntraClassRelation: (*logits, {}),
        DKDLoss: (*logits, labels),
        NonTargetRelation: (*logits, labels),
        MSEFeature: (*feature, {}),
        L1Feature: (*feature, {}),
        ChannelWiseDivergence: (*feature, {}),
        ATLoss: (*feature, {}),
        DepthResponseLoss: (*depth, {}),
        LogDepthRelation: (*depth, {}),
    }[loss_cls]


ALL_LOSSES = [
    KLDivergence,
    MSEFeature,
    L1Feature,
    ChannelWiseDivergence,
    DepthResponseLoss,
    ATLoss,
    DKDLoss,
    DISTLoss,
    IntraClassRelation,
    NonTargetRelation,
    LogDepthRelation,
]


@pytest.fixture
def deprecations(monkeypatch):
    """The deprecation lines logged during the test (each loss class warns once per process;
    the test starts with none warned yet)."""
    monkeypatch.setattr(DistillLoss, '_warned_about_weight', set())
    records = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: records.append(record)
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def test_every_registered_loss_is_a_distill_loss():
    losses = {
        name: cls
        for name, cls in MODELS.module_dict.items()
        if cls.__module__.startswith('mmkd.models.losses.')
    }
    assert set(losses) >= {cls.__name__ for cls in ALL_LOSSES}
    assert all(issubclass(cls, DistillLoss) for cls in losses.values())


def test_loss_weight_hand_values():
    # MSE of [1, 2, 3, 4] against 0: (1 + 4 + 9 + 16) / 4 = 7.5
    student, teacher = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.zeros(2, 2)
    assert MSEFeature()(student, teacher).item() == 7.5
    assert MSEFeature(loss_weight=2.5)(student, teacher).item() == 18.75
    # KL([3/4, 1/4] || [1/2, 1/2]) = 3/4 ln(3/2) + 1/4 ln(1/2), times tau² = 4 and 2.5
    student = torch.zeros(1, 2, dtype=torch.float64)
    teacher = torch.tensor([[2 * math.log(3), 0.0]], dtype=torch.float64)
    kl = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    assert KLDivergence(tau=2.0)(student, teacher).item() == pytest.approx(4 * kl, rel=1e-12)
    assert KLDivergence(tau=2.0, loss_weight=2.5)(student, teacher).item() == pytest.approx(
        2.5 * 4 * kl, rel=1e-12
    )


@pytest.mark.parametrize('loss_cls', ALL_LOSSES, ids=lambda c: c.__name__)
def test_loss_weight_scales_and_weight_is_its_old_name(loss_cls, deprecations):
    student, teacher, extra = inputs(loss_cls)
    base = loss_cls()(student, teacher, **extra)
    scaled = loss_cls(loss_weight=2.5)(student, teacher, **extra)
    assert base.item() > 0
    assert torch.allclose(scaled, 2.5 * base, rtol=1e-6, atol=0)
    assert deprecations == []
    old = loss_cls(weight=2.5)
    assert torch.equal(old(student, teacher, **extra), scaled)  # bit-identical
    assert old.loss_weight == old.weight == 2.5
    assert [r.getMessage() for r in deprecations] == [
        f'{loss_cls.__name__}: weight= is deprecated, use loss_weight= (same meaning).'
    ]
    assert deprecations[0].levelno == logging.WARNING


def test_one_deprecation_line_per_loss_class(deprecations):
    for _ in range(3):
        KLDivergence(weight=2.0)
        MSEFeature(weight=2.0)
    assert [r.getMessage().split(':')[0] for r in deprecations] == ['KLDivergence', 'MSEFeature']


def test_both_names_are_a_one_line_error():
    with pytest.raises(ConfigError) as err:
        KLDivergence(weight=2.0, loss_weight=3.0)
    assert '\n' not in str(err.value)
    assert 'KLDivergence: got both loss_weight=3.0 and weight=2.0' in str(err.value)
    assert 'keep only loss_weight=' in str(err.value)


@pytest.mark.parametrize('loss_cls', ALL_LOSSES, ids=lambda c: c.__name__)
def test_the_key_check_accepts_both_names_and_the_loss_own_keys(loss_cls):
    keys = accepted_keys(loss_cls)
    assert {'loss_weight', 'weight'} <= set(keys)
    own = set(inspect.signature(loss_cls).parameters) - {'kwargs'}
    assert own <= set(keys)
    check_known_kwargs(loss_cls, dict(loss_weight=1.0), 'losses.x')
    check_known_kwargs(loss_cls, dict(weight=1.0), 'losses.x')


def test_a_misspelt_loss_weight_gets_the_hint():
    with pytest.raises(
        ConfigError,
        match=r"losses\.kd: unknown key\(s\) \['loss_wieght'\] for "
        r"KLDivergence\.\n  'loss_wieght': Did you mean: "
        r"'loss_weight'",
    ):
        check_known_kwargs(KLDivergence, dict(tau=2.0, loss_wieght=2.0), 'losses.kd')
    with pytest.raises(ConfigError, match="'tua': Did you mean: 'tau'"):
        check_known_kwargs(KLDivergence, dict(tua=2.0), 'losses.kd')


def test_the_distiller_builds_either_name_and_hints_at_a_typo(mmpretrain_scope):
    kd = {k: v for k, v in KD.items() if k not in ('weight', 'loss_weight')}
    model = cls_distiller(losses=dict(kd=dict(kd, loss_weight=2.0)))
    assert model.terms['kd'].loss.loss_weight == 2.0
    model = cls_distiller(losses=dict(kd=dict(kd, weight=2.0)))
    assert model.terms['kd'].loss.loss_weight == 2.0
    with pytest.raises(
        ConfigError,
        match=r"(?s)losses\.kd: unknown key\(s\) \['loss_wieght'\].*"
        r"Did you mean: 'loss_weight'",
    ):
        cls_distiller(losses=dict(kd=dict(kd, loss_wieght=2.0)))
