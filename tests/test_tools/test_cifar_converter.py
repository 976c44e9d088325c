"""tools/model_converters/cifar_teachers.py on state dicts in mdistiller's / RepDistiller's layout.

Their files cannot be downloaded here, so the tests write files in their key layout: the key
names and shapes follow their public models/{resnet,wrn,vgg}.py (both repositories define the
same three files), built from the structure those files describe, not from mmkd's models.
The logits test runs their forward, restated with torch.nn.functional over those keys, and
checks that the converted mmkd zoo model computes the same logits.
"""

import glob
import importlib.util
import math
import os.path as osp
import re
import subprocess
import sys
from collections import OrderedDict
from typing import Dict, List, Tuple

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmkd.engine.checkpoint import load_model_weights
from mmkd.models.build import build_model
from mmkd.utils import ConfigError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'model_converters', 'cifar_teachers.py')
ZOO = osp.join(ROOT, 'configs', '_base_', 'models', 'cifar_kd_zoo.py')

_spec = importlib.util.spec_from_file_location('cifar_teachers', TOOL)
converter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(converter)

# Their model constructors: resnet.py `ResNet(depth, num_filters)`, wrn.py
# `WideResNet(depth, widen_factor)`, vgg.py `VGG(cfg['S'|'A'|'B'|'D'|'E'], batch_norm=True)`.
RESNETS = {
    'resnet8': (8, [16, 16, 32, 64]),
    'resnet14': (14, [16, 16, 32, 64]),
    'resnet20': (20, [16, 16, 32, 64]),
    'resnet32': (32, [16, 16, 32, 64]),
    'resnet44': (44, [16, 16, 32, 64]),
    'resnet56': (56, [16, 16, 32, 64]),
    'resnet110': (110, [16, 16, 32, 64]),
    'resnet8x4': (8, [32, 64, 128, 256]),
    'resnet32x4': (32, [32, 64, 128, 256]),
}
WRNS = {'wrn_16_1': (16, 1), 'wrn_16_2': (16, 2), 'wrn_40_1': (40, 1), 'wrn_40_2': (40, 2)}
VGGS = {
    'vgg8': [[64], [128], [256], [512], [512]],
    'vgg11': [[64], [128], [256, 256], [512, 512], [512, 512]],
    'vgg13': [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
    'vgg16': [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
    'vgg19': [
        [64, 64],
        [128, 128],
        [256, 256, 256, 256],
        [512, 512, 512, 512],
        [512, 512, 512, 512],
    ],
}
NUM_CLASSES = 100


# -- state dicts in their layout --------------------------------------------------------------
class Source:
    """An ordered state dict filled with random values of the right kind per tensor."""

    def __init__(self, seed: int = 0) -> None:
        self.state: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
        self.gen = torch.Generator().manual_seed(seed)

    def conv(self, name: str, out_ch: int, in_ch: int, k: int, bias: bool = False) -> None:
        std = math.sqrt(2.0 / (in_ch * k * k))
        self.state[f'{name}.weight'] = torch.randn(out_ch, in_ch, k, k, generator=self.gen) * std
        if bias:
            self.state[f'{name}.bias'] = torch.randn(out_ch, generator=self.gen) * 0.1

    def bn(self, name: str, ch: int) -> None:
        self.state[f'{name}.weight'] = 1 + 0.2 * torch.randn(ch, generator=self.gen)
        self.state[f'{name}.bias'] = 0.1 * torch.randn(ch, generator=self.gen)
        self.state[f'{name}.running_mean'] = 0.1 * torch.randn(ch, generator=self.gen)
        self.state[f'{name}.running_var'] = 0.5 + torch.rand(ch, generator=self.gen)
        self.state[f'{name}.num_batches_tracked'] = torch.tensor(1000)

    def linear(self, name: str, out_f: int, in_f: int) -> None:
        self.state[f'{name}.weight'] = torch.randn(out_f, in_f, generator=self.gen) / in_f**0.5
        self.state[f'{name}.bias'] = 0.1 * torch.randn(out_f, generator=self.gen)


def resnet_source(depth: int, filters: List[int]) -> 'OrderedDict[str, torch.Tensor]':
    """resnet.py: conv1, bn1, layer1..3 of n BasicBlocks (conv1, bn1, conv2, bn2 and, where
    `stride != 1 or inplanes != planes`, downsample = Sequential(conv1x1, BN)), fc."""
    src = Source()
    src.conv('conv1', filters[0], 3, 3)
    src.bn('bn1', filters[0])
    inplanes = filters[0]
    for stage, (planes, stride) in enumerate(zip(filters[1:], (1, 2, 2)), start=1):
        for i in range((depth - 2) // 6):
            block = f'layer{stage}.{i}'
            src.conv(f'{block}.conv1', planes, inplanes if i == 0 else planes, 3)
            src.bn(f'{block}.bn1', planes)
            src.conv(f'{block}.conv2', planes, planes, 3)
            src.bn(f'{block}.bn2', planes)
            if i == 0 and (stride != 1 or inplanes != planes):
                src.conv(f'{block}.downsample.0', planes, inplanes, 1)
                src.bn(f'{block}.downsample.1', planes)
        inplanes = planes
    src.linear('fc', NUM_CLASSES, filters[3])
    return src.state


def wrn_source(depth: int, widen: int) -> 'OrderedDict[str, torch.Tensor]':
    """wrn.py: conv1, block1..3 = NetworkBlock(.layer = n BasicBlocks: bn1, conv1, bn2, conv2,
    convShortcut where in_planes != out_planes), bn1, fc."""
    src = Source()
    channels = [16, 16 * widen, 32 * widen, 64 * widen]
    src.conv('conv1', 16, 3, 3)
    for stage in (1, 2, 3):
        for i in range((depth - 4) // 6):
            block = f'block{stage}.layer.{i}'
            in_planes, out_planes = (
                channels[stage - 1] if i == 0 else channels[stage],
                channels[stage],
            )
            src.bn(f'{block}.bn1', in_planes)
            src.conv(f'{block}.conv1', out_planes, in_planes, 3)
            src.bn(f'{block}.bn2', out_planes)
            src.conv(f'{block}.conv2', out_planes, out_planes, 3)
            if in_planes != out_planes:
                src.conv(f'{block}.convShortcut', out_planes, in_planes, 1)
    src.bn('bn1', channels[3])
    src.linear('fc', NUM_CLASSES, channels[3])
    return src.state


def vgg_source(cfg: List[List[int]]) -> 'OrderedDict[str, torch.Tensor]':
    """vgg.py with batch_norm: block{i} = Sequential(conv, BN, ReLU, conv, BN, ReLU, ...) minus
    its last ReLU, so conv j sits at index 3j and its BN at 3j+1; classifier = Linear(512)."""
    src = Source()
    in_ch = 3
    for stage, widths in enumerate(cfg):
        for j, width in enumerate(widths):
            src.conv(f'block{stage}.{3 * j}', width, in_ch, 3, bias=True)
            src.bn(f'block{stage}.{3 * j + 1}', width)
            in_ch = width
    src.linear('classifier', NUM_CLASSES, 512)
    return src.state


def source_for(name: str) -> 'OrderedDict[str, torch.Tensor]':
    if name in RESNETS:
        return resnet_source(*RESNETS[name])
    if name in WRNS:
        return wrn_source(*WRNS[name])
    return vgg_source(VGGS[name])


# -- their forward, restated over their keys --------------------------------------------------
def _bn(s: Dict[str, torch.Tensor], name: str, x: torch.Tensor) -> torch.Tensor:
    return F.batch_norm(
        x,
        s[f'{name}.running_mean'],
        s[f'{name}.running_var'],
        s[f'{name}.weight'],
        s[f'{name}.bias'],
    )


def _conv(s, name: str, x: torch.Tensor, stride: int = 1) -> torch.Tensor:
    weight = s[f'{name}.weight']
    return F.conv2d(x, weight, s.get(f'{name}.bias'), stride, weight.shape[-1] // 2)


def resnet_forward(s, x: torch.Tensor) -> torch.Tensor:
    """resnet.py ResNet.forward (is_feat=False): post-activation blocks, AvgPool2d(8), fc."""
    x = F.relu(_bn(s, 'bn1', _conv(s, 'conv1', x)))
    for stage in (1, 2, 3):
        i = 0
        while f'layer{stage}.{i}.conv1.weight' in s:
            block, stride = f'layer{stage}.{i}', 2 if stage > 1 and i == 0 else 1
            out = F.relu(_bn(s, f'{block}.bn1', _conv(s, f'{block}.conv1', x, stride)))
            out = _bn(s, f'{block}.bn2', _conv(s, f'{block}.conv2', out))
            residual = x
            if f'{block}.downsample.0.weight' in s:
                residual = _bn(
                    s, f'{block}.downsample.1', _conv(s, f'{block}.downsample.0', x, stride)
                )
            x = F.relu(out + residual)
            i += 1
    return F.linear(F.avg_pool2d(x, 8).flatten(1), s['fc.weight'], s['fc.bias'])


def wrn_forward(s, x: torch.Tensor) -> torch.Tensor:
    """wrn.py WideResNet.forward: pre-activation blocks whose convShortcut takes the activated
    input; then relu(bn1), avg_pool2d(8), fc."""
    x = _conv(s, 'conv1', x)
    for stage in (1, 2, 3):
        i = 0
        while f'block{stage}.layer.{i}.conv1.weight' in s:
            block, stride = f'block{stage}.layer.{i}', 2 if stage > 1 and i == 0 else 1
            activated = F.relu(_bn(s, f'{block}.bn1', x))
            out = F.relu(_bn(s, f'{block}.bn2', _conv(s, f'{block}.conv1', activated, stride)))
            out = _conv(s, f'{block}.conv2', out)
            if f'{block}.convShortcut.weight' in s:
                x = _conv(s, f'{block}.convShortcut', activated, stride) + out
            else:
                x = x + out
            i += 1
    x = F.relu(_bn(s, 'bn1', x))
    return F.linear(F.avg_pool2d(x, 8).flatten(1), s['fc.weight'], s['fc.bias'])


def vgg_forward(s, x: torch.Tensor) -> torch.Tensor:
    """vgg.py VGG.forward at 32x32: block0, pool0, block1, pool1, block2, pool2, block3, (pool3
    only for 64x64 inputs), block4, each followed by ReLU; AdaptiveAvgPool2d(1), classifier."""
    for stage in range(5):
        j = 0
        while f'block{stage}.{j}.weight' in s:
            x = F.relu(_bn(s, f'block{stage}.{j + 1}', _conv(s, f'block{stage}.{j}', x)))
            j += 3
        if stage < 3:
            x = F.max_pool2d(x, 2, 2)
    return F.linear(
        F.adaptive_avg_pool2d(x, 1).flatten(1), s['classifier.weight'], s['classifier.bias']
    )


# -- helpers ----------------------------------------------------------------------------------
def save_source(path: str, state, **extra) -> str:
    """As their train_teacher.py saves ckpt_epoch_240.pth: epoch, model, accuracy, optimizer."""
    torch.save({'epoch': 240, 'model': state, 'accuracy': torch.tensor(79.42), **extra}, path)
    return path


def zoo_model(name: str, num_classes: int = NUM_CLASSES) -> torch.nn.Module:
    cfg = Config.fromfile(ZOO)
    model_cfg = cfg[name] if name in cfg else converter.model_config(name, num_classes)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return build_model(model_cfg).eval()


def convert(tmp_path, state, arch=None, **extra) -> Tuple[str, str]:
    src = save_source(str(tmp_path / 'ckpt_epoch_240.pth'), state, **extra)
    dst = str(tmp_path / 'converted.pth')
    return converter.convert(src, dst, arch), dst


# -- layouts ----------------------------------------------------------------------------------
# A few keys per architecture with their shapes, as their code defines them.
CHARACTERISTIC = {
    'resnet8': {'conv1.weight': (16, 3, 3, 3), 'layer2.0.downsample.0.weight': (32, 16, 1, 1)},
    'resnet20': {'layer1.2.bn2.running_mean': (16,), 'layer3.2.conv2.weight': (64, 64, 3, 3)},
    'resnet56': {'layer3.8.conv1.weight': (64, 64, 3, 3), 'fc.weight': (100, 64)},
    'resnet110': {'layer2.17.bn1.weight': (32,), 'layer3.0.downsample.1.running_var': (64,)},
    'resnet8x4': {
        'conv1.weight': (32, 3, 3, 3),
        'layer1.0.downsample.0.weight': (64, 32, 1, 1),
        'fc.weight': (100, 256),
    },
    'resnet32x4': {'layer1.4.conv2.weight': (64, 64, 3, 3), 'layer3.4.bn2.bias': (256,)},
    'wrn_16_2': {
        'block1.layer.0.conv1.weight': (32, 16, 3, 3),
        'block1.layer.0.convShortcut.weight': (32, 16, 1, 1),
        'bn1.running_var': (128,),
    },
    'wrn_40_1': {
        'block1.layer.5.bn1.weight': (16,),
        'block3.layer.0.convShortcut.weight': (64, 32, 1, 1),
    },
    'wrn_40_2': {'block2.layer.5.conv2.weight': (64, 64, 3, 3), 'fc.weight': (100, 128)},
    'vgg8': {
        'block0.0.weight': (64, 3, 3, 3),
        'block0.1.running_mean': (64,),
        'block4.0.bias': (512,),
    },
    'vgg13': {
        'block0.3.weight': (64, 64, 3, 3),
        'block4.4.running_var': (512,),
        'classifier.weight': (100, 512),
    },
    'vgg19': {'block3.9.weight': (512, 512, 3, 3), 'block3.10.weight': (512,)},
}
# Their parameter counts (100 classes) as the KD papers list them (mmkd's backbone docstrings).
PARAMS_M = {
    'resnet20': 0.28,
    'resnet32': 0.47,
    'resnet56': 0.86,
    'resnet110': 1.74,
    'resnet8x4': 1.23,
    'resnet32x4': 7.43,
    'wrn_16_2': 0.70,
    'wrn_40_1': 0.57,
    'wrn_40_2': 2.26,
    'vgg8': 3.96,
    'vgg13': 9.46,
}
ALL_ARCHS = [*RESNETS, *WRNS, *VGGS]
ZOO_NAMES = ['resnet20', 'resnet32', 'resnet56', 'resnet110', 'resnet8x4', 'resnet32x4']
ZOO_NAMES += ['wrn_16_2', 'wrn_40_1', 'wrn_40_2', 'vgg8', 'vgg13']


def test_the_zoo_file_lists_the_models_tested_here():
    zoo = Config.fromfile(ZOO)
    assert sorted(k for k in zoo if k != 'cifar_preprocessor') == sorted(ZOO_NAMES)


@pytest.mark.parametrize('name', ALL_ARCHS)
def test_every_architecture_is_detected_and_fits_the_zoo_model(tmp_path, name):
    state = source_for(name)
    for key, shape in CHARACTERISTIC.get(name, {}).items():
        assert tuple(state[key].shape) == shape, key
    if name in PARAMS_M:
        params = sum(
            v.numel()
            for k, v in state.items()
            if not k.endswith(('running_mean', 'running_var', 'num_batches_tracked'))
        )
        assert params / 1e6 == pytest.approx(PARAMS_M[name], abs=0.01)  # papers round or cut

    arch, dst = convert(tmp_path, state)

    assert arch == name
    converted = torch.load(dst, weights_only=True)
    assert converted['meta']['arch'] == name
    assert converted['meta']['source_epoch'] == 240
    assert converted['meta']['source_accuracy'] == pytest.approx(79.42)
    assert len(converted['state_dict']) == len(state)
    assert all(k.startswith(('backbone.', 'head.fc.')) for k in converted['state_dict'])
    # what teacher_ckpt does: a strict load into the model the distill configs build
    model = zoo_model(name)
    load_model_weights(model, dst, 'teacher')
    assert (converted['meta']['zoo_model'] is not None) == (name in ZOO_NAMES)


@pytest.mark.parametrize(
    'name, forward',
    [
        ('resnet8x4', resnet_forward),
        ('resnet20', resnet_forward),
        ('wrn_16_2', wrn_forward),
        ('vgg8', vgg_forward),
    ],
)
def test_converted_model_computes_their_logits(tmp_path, name, forward):
    state = source_for(name)
    _, dst = convert(tmp_path, state)
    model = zoo_model(name)
    load_model_weights(model, dst, 'teacher')
    x = torch.randn(3, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = forward(state, x)
        # the classifier's own path: backbone -> GlobalAveragePooling -> LinearClsHead
        logits = model(x, mode='tensor')
    assert logits.shape == (3, NUM_CLASSES)
    assert expected.abs().max() > 0.1  # the comparison below is not of near-zeros
    torch.testing.assert_close(logits, expected, rtol=1e-4, atol=1e-4)


def test_the_arch_given_is_checked_and_a_dataparallel_prefix_dropped(tmp_path):
    state = OrderedDict((f'module.{k}', v) for k, v in source_for('wrn_40_2').items())
    arch, dst = convert(tmp_path, state, arch='wrn_40_2')
    assert arch == 'wrn_40_2'
    load_model_weights(zoo_model('wrn_40_2'), dst, 'teacher')
    # mdistiller's constructor name for the BN VGGs is accepted too
    assert convert(tmp_path, source_for('vgg8'), arch='vgg8_bn')[0] == 'vgg8'


def test_other_class_counts_give_that_head(tmp_path):
    state = source_for('resnet8')
    state['fc.weight'], state['fc.bias'] = state['fc.weight'][:10], state['fc.bias'][:10]
    arch, dst = convert(tmp_path, state)
    assert torch.load(dst, weights_only=True)['state_dict']['head.fc.weight'].shape == (10, 64)
    assert torch.load(dst, weights_only=True)['meta']['num_classes'] == 10


# -- bad input --------------------------------------------------------------------------------
def test_unknown_layout_names_the_file_the_keys_and_the_fix(tmp_path):
    # mdistiller's resnetv2.py ResNet50 for CIFAR: layer4, shortcut, linear (not in the zoo)
    state = source_for('resnet20')
    state = OrderedDict((k.replace('layer1.', 'layer4.'), v) for k, v in state.items())
    state['linear.weight'] = state.pop('fc.weight')
    state['linear.bias'] = state.pop('fc.bias')
    with pytest.raises(ConfigError) as err:
        convert(tmp_path, state)
    message = str(err.value)
    assert 'ckpt_epoch_240.pth' in message and 'unknown CIFAR teacher key layout' in message
    assert 'layer4.0.conv1.weight' in message and '38 in all, under layer4, linear' in message
    assert '--arch' in message and 'wrn_' in message and '\n' not in message


def test_unknown_keys_within_a_known_layout_are_named(tmp_path):
    # a Bottleneck ResNet (their resnet.py with block_name='bottleneck'): conv3 / bn3
    state = source_for('resnet8')
    state['layer1.0.conv3.weight'] = torch.zeros(64, 16, 1, 1)
    with pytest.raises(ConfigError, match=r'keys not recognised in the ResNet .*layer1\.0\.conv3'):
        convert(tmp_path, state)


def test_wrong_shape_is_named_and_nothing_written(tmp_path):
    state = source_for('wrn_16_2')
    state['block2.layer.1.conv1.weight'] = torch.zeros(64, 64, 1, 1)
    with pytest.raises(ConfigError) as err:
        convert(tmp_path, state)
    assert 'shape mismatch: backbone.layer2.1.conv1.weight: checkpoint (64, 64, 1, 1)' in str(
        err.value
    )
    assert not (tmp_path / 'converted.pth').exists()


def test_arch_that_does_not_fit_names_the_keys(tmp_path):
    with pytest.raises(
        ConfigError, match=r'does not fit the mmkd resnet32 .*missing in checkpoint: '
    ):
        convert(tmp_path, source_for('resnet20'), arch='resnet32')
    with pytest.raises(ConfigError, match=r"--arch 'ResNet50' is not a CIFAR zoo architecture"):
        convert(tmp_path, source_for('resnet20'), arch='ResNet50')


def test_vgg_without_batchnorm_is_refused_with_the_reason(tmp_path):
    state = OrderedDict()
    for stage, width in enumerate([64, 128, 256, 512, 512]):
        state[f'block{stage}.0.weight'] = torch.zeros(width, 3, 3, 3)
        state[f'block{stage}.0.bias'] = torch.zeros(width)
    state['classifier.weight'], state['classifier.bias'] = torch.zeros(100, 512), torch.zeros(100)
    with pytest.raises(ConfigError, match='VGG without BatchNorm'):
        convert(tmp_path, state)


def test_a_file_in_the_mmkd_layout_is_pointed_to_teacher_ckpt(tmp_path):
    _, dst = convert(tmp_path, source_for('resnet8'))
    with pytest.raises(ConfigError, match='already in the mmkd zoo layout'):
        converter.convert(dst, str(tmp_path / 'again.pth'))


def test_a_file_that_is_not_a_checkpoint(tmp_path):
    text = tmp_path / 'ckpt_epoch_240.pth'
    text.write_text('<html>not found</html>')
    with pytest.raises(ConfigError, match=r'ckpt_epoch_240\.pth.* could not be read'):
        converter.convert(str(text), str(tmp_path / 'out.pth'))
    numbers = tmp_path / 'numbers.pth'
    torch.save([1, 2, 3], numbers)
    with pytest.raises(ConfigError, match=r'numbers\.pth: not a checkpoint of model weights'):
        converter.convert(str(numbers), str(tmp_path / 'out.pth'))
    with pytest.raises(ConfigError, match='no such file'):
        converter.convert(str(tmp_path / 'missing.pth'), str(tmp_path / 'out.pth'))


class Options:  # stands in for the argparse.Namespace their *_last.pth pickles
    lr = 0.05


def test_objects_beyond_weights_are_refused_not_unpickled(tmp_path):
    path = save_source(str(tmp_path / 'resnet8_last.pth'), source_for('resnet8'), opt=Options())
    with pytest.raises(
        ConfigError, match=r"could not be read .*RepDistiller's <arch>_last\.pth"
    ) as err:
        converter.convert(path, str(tmp_path / 'out.pth'))
    assert 'Options' in str(err.value) and 'weights_only=False' not in str(err.value)


def test_source_is_never_overwritten(tmp_path):
    path = save_source(str(tmp_path / 'ckpt.pth'), source_for('resnet8'))
    with pytest.raises(ConfigError, match='refusing to overwrite the source'):
        converter.convert(path, path)


def test_command_line(tmp_path):
    src = save_source(str(tmp_path / 'ckpt_epoch_240.pth'), source_for('resnet8x4'))
    dst = str(tmp_path / 'work_dirs' / 'teacher.pth')
    env = {'PYTHONPATH': ROOT, 'OMP_NUM_THREADS': '1', 'PATH': '/usr/bin:/bin'}
    ok = subprocess.run([sys.executable, TOOL, src, dst], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert 'resnet8x4' in ok.stdout and "teacher_ckpt='" in ok.stdout
    assert osp.isfile(dst)

    bad = save_source(str(tmp_path / 'other.pth'), OrderedDict(features=torch.zeros(2)))
    fail = subprocess.run([sys.executable, TOOL, bad, dst], env=env, capture_output=True, text=True)
    assert fail.returncode == 1
    error = [line for line in fail.stderr.splitlines() if line.startswith('mmkd: error:')]
    assert len(error) == 1 and 'other.pth' in error[0] and 'features' in error[0]
    assert 'Traceback' not in fail.stderr


# -- the teachers the CIFAR distill configs load ----------------------------------------------
def test_every_cifar_teacher_path_is_written_by_a_config():
    """A `work_dirs/<name>/epoch_<N>.pth` a CIFAR config loads is what `configs/**/<name>.py`
    writes (its work dir and its last epoch), so training that config, or converting a shared
    teacher to that path, is how the user gets it."""
    configs = {
        osp.splitext(osp.basename(p))[0]: p
        for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    }
    pattern = r"'work_dirs/([^/']+)/(?:epoch_(\d+)\.pth)?"
    loaded = set()
    for path in glob.glob(osp.join(ROOT, 'configs', '*', 'cls_*cifar100*.py')):
        loaded |= set(re.findall(pattern, open(path).read()))
    assert ('cls_resnet32x4_1xb64-240e_cifar100', '240') in loaded
    assert ('cls_wrn40-2_1xb64-240e_cifar100', '240') in loaded
    for name, epoch in sorted(loaded):
        assert name in configs, f'no config writes work_dirs/{name}/'
        if epoch:
            assert Config.fromfile(configs[name]).train_cfg.max_epochs == int(epoch), name
