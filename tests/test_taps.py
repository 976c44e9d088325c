"""Feature taps: they record the right tensors, leave no hooks behind, and reject bad paths."""

import pytest
import torch
from torch import nn

from mmkd.taps import FeatureTaps
from mmkd.utils import ConfigError


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.layer1 = nn.Sequential(nn.Conv2d(4, 8, 3, padding=1), nn.ReLU())
        self.head = nn.Linear(8, 2)
        self.head_calls = 0

    def pair(self, x):
        return self.stem(x), self.layer1(self.stem(x))

    def forward(self, x):
        feat = self.layer1(self.stem(x))
        self.head_calls += 1
        return self.head(feat.mean((2, 3)))


class Pair(nn.Module):
    def forward(self, x):
        return x, x * 2


def test_records_module_outputs():
    net = Net()
    taps = FeatureTaps(net, {'feat': 'layer1', 'relu': 'layer1.1', 'logits': 'head'}, 'student')
    x = torch.randn(2, 3, 5, 5)
    with taps.recording():
        out = net(x)
    expected = net.layer1(net.stem(x))
    assert torch.allclose(taps['feat'], expected)
    assert torch.allclose(taps['relu'], expected)
    assert torch.equal(taps['logits'], out)


def test_hooks_removed_after_use_and_after_errors():
    net = Net()
    taps = FeatureTaps(net, {'feat': 'layer1'}, 'student')
    with taps.recording():
        assert taps.num_hooks == 1
        net(torch.randn(1, 3, 4, 4))
    assert taps.num_hooks == 0
    with pytest.raises(RuntimeError, match='boom'):
        with taps.recording():
            raise RuntimeError('boom')
    assert taps.num_hooks == 0


def test_misspelt_path_lists_close_names():
    with pytest.raises(ConfigError) as err:
        FeatureTaps(Net(), {'feat': 'layr1'}, 'teacher')
    message = str(err.value)
    assert "teacher has no module 'layr1'" in message and "'layer1'" in message


def test_index_into_tuple_outputs():
    model = nn.Sequential()
    model.add_module('pair', Pair())
    taps = FeatureTaps(model, {'second': 'pair[1]'}, 'student')
    x = torch.ones(1, 2)
    with taps.recording():
        model(x)
    assert torch.equal(taps['second'], x * 2)


def test_index_into_tensor_output_is_a_clear_error():
    net = Net()
    taps = FeatureTaps(net, {'feat': 'layer1[0]'}, 'student')
    with pytest.raises(ConfigError, match='cannot be indexed'):
        with taps.recording():
            net(torch.randn(1, 3, 4, 4))


def test_run_stops_once_all_taps_fired():
    net = Net()
    taps = FeatureTaps(net, {'feat': 'layer1'}, 'teacher')
    taps.run(net, torch.randn(1, 3, 4, 4))
    assert net.head_calls == 0  # the head was never needed
    assert taps['feat'].shape == (1, 8, 4, 4)
    assert taps.num_hooks == 0


def test_tap_that_never_fires_is_reported():
    net = Net()
    taps = FeatureTaps(net, {'logits': 'head'}, 'teacher')
    with pytest.raises(RuntimeError, match='did not fire'):
        taps.run(net.pair, torch.randn(1, 3, 4, 4))
