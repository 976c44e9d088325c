"""DistillTerm: one module per configured loss; a single teacher is the one-entry case of several;
SDKD's terms with k as their scale; checkpoints written before the terms still load."""

import copy
from collections import OrderedDict
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.runner.checkpoint import load_checkpoint

from mmkd.apis.checkpoint_fit import check_runner_checkpoint, check_strict
from mmkd.apis.export import export_student
from mmkd.models.distillers.sdkd import PHASED, TERMS
from mmkd.models.distillers.term import DistillTerm, legacy_term_keys
from mmkd.models.losses import L1Feature
from mmkd.models.target_transforms import TopKMask
from mmkd.registry import MODELS
from tests.conftest import cls_batch, cls_model
from tests.test_distillers.test_distiller import KD, cls_distiller
from tests.test_distillers.test_sdkd import cls_sdkd, losses_of

FIT = dict(
    type='mmkd.MSEFeature',
    student='feat',
    teacher='feat',
    connector=dict(type='mmkd.ConvConnector', in_channels=64, out_channels=128),
)
OLD_PARTS = {
    'loss': 'distill_losses',
    'connector': 'connectors',
    'teacher_transform': 'teacher_transforms',
}


def l1_term(combine: str = 'mean', **kwargs) -> DistillTerm:
    return DistillTerm(
        'fit',
        L1Feature(loss_weight=2.0),
        trained=('student', 'feat'),
        target=('teacher', 'feat'),
        combine=combine,
        **kwargs,
    )


@pytest.mark.parametrize('combine, expected', [('mean', 3.0), ('mean_loss', 3.5)])
def test_one_term_by_hand(combine, expected):
    student = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    targets = [torch.zeros(2, 2), torch.full((2, 2), 2.0)]
    # mean: target 1 everywhere, 2 * mean|s - 1| = 2 * 1.5; mean_loss: 2 * (2.5 + 1.0) / 2
    term = l1_term(combine)
    assert term(student, targets).item() == expected
    assert term.key == 'distill.loss_fit' and term.scale is None
    assert l1_term(key='proxy.loss_fit').key == 'proxy.loss_fit'


@pytest.mark.parametrize('combine', ['mean', 'mean_loss'])
def test_a_single_target_is_the_one_entry_list(combine):
    g = torch.Generator().manual_seed(0)
    student, target = torch.randn(3, 6, generator=g), torch.randn(3, 6, generator=g)
    term = l1_term(combine, teacher_transform=TopKMask(0.5))
    direct = student.clone().requires_grad_(True)
    listed = student.clone().requires_grad_(True)
    alone = term.compare(direct, TopKMask(0.5)(target))
    as_list = term(listed, [target])
    alone.backward()
    as_list.backward()
    assert torch.equal(alone, as_list) and torch.equal(direct.grad, listed.grad)


def test_teacher_and_a_one_entry_teachers_dict_give_the_same_losses(mmpretrain_scope):
    losses = dict(kd=dict(KD, teacher_transform=dict(type='mmkd.TopKMask', ratio=0.5)), fit=FIT)
    one = cls_distiller(losses=losses)
    listed = cls_distiller(
        teacher=None, teachers=dict(only=dict(model=cls_model(14, width=2))), losses=losses
    )
    listed.load_state_dict(one.state_dict(), strict=True)
    listed.teachers['only'].load_state_dict(one.teacher.state_dict())
    results = []
    for model in (one, listed):
        model.train()
        data = model.data_preprocessor(cls_batch(), True)
        results.append(model.loss(data['inputs'], data['data_samples']))
    assert list(results[0]) == list(results[1])
    assert all(torch.equal(results[0][k], results[1][k]) for k in results[0])


def test_bad_combine_rule_and_missing_target_tap_are_explained(mmpretrain_scope):
    from mmkd.utils import ConfigError

    with pytest.raises(ConfigError, match="losses.fit: teacher_combine must be 'mean' or"):
        l1_term('max')
    with pytest.raises(ConfigError, match=r'losses.kd: give the taps of student= and teacher='):
        cls_distiller(losses=dict(kd=dict(type='mmkd.KLDivergence', student='logits')))


def test_sdkd_terms_and_k_scale():
    model = cls_sdkd(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.5))
    assert list(model.terms) == list(TERMS)
    for name, (key, trained, target, tap) in TERMS.items():
        term = model.terms[name]
        assert (term.key, term.trained, term.target) == (key, (trained, tap), (target, tap))
        assert term.scale == ('k' if name in PHASED else None)
        assert (term.teacher_transform is not None) == (target == 'teacher')
    batch = cls_batch()
    model.k.fill_(1.0)
    whole = losses_of(model, batch)
    model.k.fill_(0.25)
    quarter = losses_of(model, batch)
    for name, term in model.terms.items():
        factor = 0.25 if name in PHASED else 1.0
        assert torch.equal(quarter[term.key], whole[term.key] * factor), name


def _old_key(key: str) -> str:
    """The name a key of today's distiller had before DistillTerm."""
    parts = key.split('.')
    if parts[0] != 'terms':
        return key
    return '.'.join([OLD_PARTS[parts[2]], parts[1], *parts[3:]])


def test_legacy_key_names():
    renamed = legacy_term_keys(
        [
            'connectors.fit.proj.weight',
            'distill_losses.kd.scale',
            'teacher_transforms.kd.x',
            'student.connectors.a.b',
            'connectors.fit',
            'module.connectors.fit.w',
        ],
        prefix='',
    )
    assert renamed == {
        'connectors.fit.proj.weight': 'terms.fit.connector.proj.weight',
        'distill_losses.kd.scale': 'terms.kd.loss.scale',
        'teacher_transforms.kd.x': 'terms.kd.teacher_transform.x',
    }
    assert legacy_term_keys(['module.connectors.fit.w'], prefix='module.') == {
        'module.connectors.fit.w': 'module.terms.fit.connector.w'
    }


def test_parameters_keep_the_order_of_the_old_layout(mmpretrain_scope):
    """An old run's optimizer state is keyed by parameter position: the order must be the one
    of the layout before the terms (student, teachers, losses, connectors, transforms)."""
    model = cls_distiller(losses=dict(kd=KD, fit=FIT, fit2=FIT))
    names = [_old_key(n) for n, _ in model.named_parameters()]
    layout = ['student', 'teachers', 'distill_losses', 'connectors', 'teacher_transforms']
    assert names == sorted(names, key=lambda n: layout.index(n.split('.')[0]))
    assert [n for n in names if n.startswith('connectors.')][:1] == ['connectors.fit.proj.weight']


def test_checkpoint_with_old_key_names_loads_resumes_and_exports(mmpretrain_scope, tmp_path):
    losses = dict(kd=KD, fit=FIT)
    model = cls_distiller(losses=losses)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    model.train()
    model.train_step(cls_batch(), optim)
    state = model.state_dict()
    old = OrderedDict((_old_key(k), v) for k, v in state.items())
    assert 'connectors.fit.proj.weight' in old and not any(k.startswith('terms.') for k in old)
    path = str(tmp_path / 'old.pth')
    torch.save({'meta': {}, 'state_dict': old, 'optimizer': optim.state_dict()}, path)

    fresh = cls_distiller(losses=losses)
    fresh.load_state_dict(torch.load(path)['state_dict'], strict=True)
    assert all(torch.equal(fresh.state_dict()[k], v) for k, v in state.items())

    # tools/test.py and --resume: the key checks before loading, then MMEngine's strict loader
    resumed = cls_distiller(losses=losses)
    check_strict(resumed, path, 'kd.py')
    runner = SimpleNamespace(
        cfg=Config(dict(resume=True, load_from=path)),
        model=resumed,
        work_dir=str(tmp_path),
        optim_wrapper=OptimWrapper(torch.optim.SGD(resumed.parameters(), lr=0.1, momentum=0.9)),
    )
    check_runner_checkpoint(runner)
    checkpoint = load_checkpoint(resumed, path, strict=True)
    runner.optim_wrapper.load_state_dict(checkpoint['optimizer'])
    for new, trained in (
        (resumed.terms['fit'].connector.proj.weight, model.terms['fit'].connector.proj.weight),
        (resumed.student.head.fc.weight, model.student.head.fc.weight),
    ):
        assert torch.equal(new, trained)
        assert torch.equal(
            runner.optim_wrapper.optimizer.state[new]['momentum_buffer'],
            optim.optimizer.state[trained]['momentum_buffer'],
        )

    cfg_path = str(tmp_path / 'kd.py')
    Config(
        dict(
            default_scope='mmpretrain',
            model=dict(
                type='mmkd.Distiller',
                student=cls_model(8),
                teacher=cls_model(14, width=2),
                taps=dict(logits='head.fc', feat='backbone.layer3'),
                losses=copy.deepcopy(losses),
            ),
        )
    ).dump(cfg_path)
    out = str(tmp_path / 'student.pth')
    export_student(Config.fromfile(cfg_path), path, out)
    exported = torch.load(out)['state_dict']
    assert all(torch.equal(exported[k], v) for k, v in model.student.state_dict().items())
    plain = MODELS.build(cls_model(8))
    plain.load_state_dict(exported, strict=True)
