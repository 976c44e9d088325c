"""SDKD's proxy pass from the fusion stage (the student pass replayed up to it) against the full
proxy pass: the same losses, gradients (student and FFB) and BN statistics, bit for bit, on the
three tasks (train-mode BN: the same batch gives the same statistics)."""

import copy

import pytest
import torch

from mmkd.models.distillers import SDKD
from mmkd.replay import PrefixReplay
from mmkd.utils import ConfigError
from tests.conftest import cls_batch, seg_batch
from tests.test_distillers.test_sdkd import cls_sdkd, depth_batch, depth_sdkd, seg_sdkd

CASES = {
    'cls': (cls_sdkd, cls_batch),
    'seg': (seg_sdkd, seg_batch),
    'seg_layer2': (lambda **kw: seg_sdkd(fusion='backbone.layer2', **kw), seg_batch),
    'seg_indexed': (lambda **kw: seg_sdkd(fusion='backbone[3]', **kw), seg_batch),
    'depth': (depth_sdkd, depth_batch),
}


def step(model: SDKD, batch: dict) -> tuple:
    """Two training-mode loss passes (the second after the first one's BN update); the losses
    and gradients of the second, and the state (parameters, BN statistics) after it."""
    model.train()
    for _ in range(2):
        data = model.data_preprocessor(copy.deepcopy(batch), True)
        model.zero_grad(set_to_none=True)
        losses = model.loss(data['inputs'], data['data_samples'])
        sum(v for k, v in losses.items() if 'loss' in k).backward()
    grads = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    return losses, grads, copy.deepcopy(model.state_dict())


@pytest.mark.parametrize('task', list(CASES))
def test_from_fusion_equals_the_full_proxy_pass(task):
    build, batch_of = CASES[task]
    fast = build(k=1.0)
    assert fast.proxy_pass == 'from_fusion'  # the default
    full = build(k=1.0, proxy_pass='full')
    full.load_state_dict(fast.state_dict())
    full.teacher.load_state_dict(fast.teacher.state_dict())
    batch = batch_of()
    fast_losses, fast_grads, fast_state = step(fast, batch)
    full_losses, full_grads, full_state = step(full, batch)
    assert set(fast_losses) == set(full_losses)
    for key, value in full_losses.items():
        assert torch.equal(fast_losses[key], value), key  # bit for bit on the CPU
    assert set(fast_grads) == set(full_grads)
    assert any(n.startswith('ffb.') for n in full_grads)
    assert any(n.startswith('student.') for n in full_grads)
    for name, grad in full_grads.items():
        assert torch.equal(fast_grads[name], grad), name
    # parameters, the student's BN statistics (updated once per step by the student's own
    # pass), the FFB's statistics and k
    assert set(fast_state) == set(full_state)
    for name, value in full_state.items():
        assert torch.equal(fast_state[name], value), name


def conv_calls(module: torch.nn.Module) -> list:
    calls = []
    for conv in module.modules():
        if isinstance(conv, torch.nn.Conv2d):
            conv.register_forward_hook(lambda *args: calls.append(1))
            break
    return calls


@pytest.mark.parametrize('proxy_pass, prefix_runs', [('from_fusion', 1), ('full', 2)])
def test_the_prefix_and_the_fusion_module_run_once_per_step(proxy_pass, prefix_runs):
    model = seg_sdkd(proxy_pass=proxy_pass)  # fused at backbone.layer3
    backbone = model.student.backbone
    layer1, layer3, layer4 = (
        conv_calls(m) for m in (backbone.layer1, backbone.layer3, backbone.layer4)
    )
    model.train()
    data = model.data_preprocessor(seg_batch(), True)
    model.loss(data['inputs'], data['data_samples'])
    assert (len(layer1), len(layer3)) == (prefix_runs, prefix_runs)
    assert len(layer4) == 2  # the tail runs in both passes
    assert not model.student_prefix.complete  # nothing kept after the step


def test_proxy_pass_is_validated():
    with pytest.raises(ConfigError, match="proxy_pass must be one of .*got 'fast'"):
        cls_sdkd(proxy_pass='fast')


def test_replayed_modules_and_in_place_changes():
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 1), torch.nn.ReLU(), torch.nn.Conv2d(4, 4, 1), torch.nn.ReLU()
    )
    replay = PrefixReplay(net, '2')
    assert replay.modules == [net[0], net[1], net[3]]
    x = torch.randn(1, 3, 4, 4)
    with replay.recording():
        out = net(x)
        with replay.replaying():
            again = net(torch.zeros_like(x))  # the prefix ignores its input: replayed
        assert torch.equal(again, out)
        with pytest.raises(RuntimeError, match='changed in place after it was recorded'):
            replay._records[net[1]][0].add_(1)
            with replay.replaying():
                pass
    with pytest.raises(RuntimeError, match='nothing recorded'):
        with replay.replaying():
            pass


def test_an_inclusive_replay_replays_the_until_module_and_runs_its_hooks():
    block = torch.nn.Sequential(torch.nn.Conv2d(4, 4, 1))  # the until module, a stage
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1), block, torch.nn.ReLU())
    replay = PrefixReplay(net, '1', inclusive=True)
    x = torch.randn(1, 3, 4, 4)
    with replay.recording():
        out = net(x)
        hidden = net[1](net[0](x)).detach()
        seen = []
        handle = net[1].register_forward_hook(
            lambda m, args, output: seen.append(output) or -output
        )
        calls = conv_calls(net[1])
        with replay.replaying():
            again = net(torch.zeros_like(x))
        handle.remove()
    assert calls == []  # the until module did not compute
    assert len(seen) == 1 and torch.equal(seen[0], hidden)  # its hook got the recording
    assert torch.equal(again, torch.relu(-hidden)) and not torch.equal(again, out)
