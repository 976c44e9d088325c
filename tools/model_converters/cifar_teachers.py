"""Convert a CIFAR teacher shared by mdistiller / RepDistiller into mmkd's CIFAR zoo layout.

    python tools/model_converters/cifar_teachers.py SRC DST [--arch resnet32x4]

SRC is one of the teachers the CIFAR KD community shares: mdistiller's ``cifar_teachers.tar``
(``cifar_teachers/<arch>_vanilla/ckpt_epoch_240.pth``) or RepDistiller's
``fetch_pretrained_teachers.sh`` (``save/models/<arch>_vanilla/ckpt_epoch_240.pth``), both
``{'model': state_dict, ...}`` in the key layout of their ``models/{resnet,wrn,vgg}.py``.
DST is a plain checkpoint ``{'state_dict', 'meta'}`` of the mmpretrain ImageClassifier in
configs/_base_/models/cifar_kd_zoo.py (keys ``backbone.*``, ``head.fc.*``), which a distill
config's ``teacher_ckpt`` and tools/test.py load as they are.

The architecture is read from the keys and shapes (or checked against ``--arch``); the renamed
weights are then loaded strictly into the mmkd model, every key used and every shape equal, so
a layout this tool does not know fails here, naming the keys, instead of training a student
against a wrong teacher.
"""

import argparse
import copy
import functools
import os
import os.path as osp
import re
import sys
import warnings
from collections import OrderedDict
from typing import Callable, Dict, List, Mapping, NamedTuple, Sequence, Tuple, Union

import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)  # run from a checkout
# mmengine 0.10.7 resolves `mmpretrain::` config paths through the deprecated pkg_resources
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
import mmkd  # noqa: E402,F401
from mmkd.apis.cli import run_cli  # noqa: E402
from mmkd.engine import atomic_torch_save  # noqa: E402
from mmkd.engine.checkpoint import compare_state_dicts, load_checkpoint_file  # noqa: E402
from mmkd.models.backbones.cifar_vgg import ARCH_SETTINGS as VGG_SETTINGS  # noqa: E402
from mmkd.models.build import build_model  # noqa: E402
from mmkd.utils import ConfigError  # noqa: E402
from mmkd.utils.plain import is_plain  # noqa: E402

ZOO = osp.join(ROOT, 'configs', '_base_', 'models', 'cifar_kd_zoo.py')
SUPPORTED = (
    'resnet{8,14,20,32,44,56,110} and resnet8x4/resnet32x4, wrn_{16,40}_{1,2}, '
    'vgg{8,11,13,16,19} (the BN variants) of mdistiller / RepDistiller'
)
_PARAM = r'(weight|bias|running_mean|running_var|num_batches_tracked)'

Target = Union[str, Callable[['re.Match[str]'], str]]


def _vgg_key(match: 're.Match[str]') -> str:
    """``block{i}.{j}.*`` -> ``backbone.layer{i+1}.{j'}.*``. Their ``block1..3`` follow a
    separate ``pool0..2``; mmkd's ``layer2..4`` hold that max-pool as their module 0, which
    shifts the conv / BN indices by one (cifar_vgg.py: ``if i in (1, 2, 3)``)."""
    stage, index, param = int(match[1]), int(match[2]), match[3]
    index += 1 if stage in (1, 2, 3) else 0
    return f'backbone.layer{stage + 1}.{index}.{param}'


class Layout(NamedTuple):
    """A family of source models: the key only it has, and how each source key is renamed."""

    name: str
    signature: str
    rules: Sequence[Tuple[str, Target]]

    def rename(self, key: str) -> Union[str, None]:
        for pattern, target in self.rules:
            match = re.fullmatch(pattern, key)
            if match:
                return target(match) if callable(target) else match.expand(target)
        return None


LAYOUTS: Dict[str, Layout] = {
    # models/resnet.py: conv1/bn1 stem, layer1..3 of BasicBlocks, fc
    'resnet': Layout(
        'ResNet (conv1, bn1, layer1..3, fc)',
        'layer1.0.conv1.weight',
        [
            (r'conv1\.weight', 'backbone.stem.0.weight'),
            (rf'bn1\.{_PARAM}', r'backbone.stem.1.\1'),
            (
                r'layer([123])\.(\d+)\.(conv1|conv2|downsample\.0)\.weight',
                r'backbone.layer\1.\2.\3.weight',
            ),
            (
                rf'layer([123])\.(\d+)\.(bn1|bn2|downsample\.1)\.{_PARAM}',
                r'backbone.layer\1.\2.\3.\4',
            ),
            (r'fc\.(weight|bias)', r'head.fc.\1'),
        ],
    ),
    # models/wrn.py: conv1, block1..3 (NetworkBlock.layer of pre-activation blocks), bn1, fc
    'wrn': Layout(
        'WRN (conv1, block1..3.layer, bn1, fc)',
        'block1.layer.0.conv1.weight',
        [
            (r'conv1\.weight', 'backbone.stem.weight'),
            (
                r'block([123])\.layer\.(\d+)\.(conv1|conv2)\.weight',
                r'backbone.layer\1.\2.\3.weight',
            ),
            (
                r'block([123])\.layer\.(\d+)\.convShortcut\.weight',
                r'backbone.layer\1.\2.shortcut.weight',
            ),
            (rf'block([123])\.layer\.(\d+)\.(bn1|bn2)\.{_PARAM}', r'backbone.layer\1.\2.\3.\4'),
            (rf'bn1\.{_PARAM}', r'backbone.layer3.bn.\1'),
            (r'fc\.(weight|bias)', r'head.fc.\1'),
        ],
    ),
    # models/vgg.py: block0..4 of (conv, BN, ReLU)*, classifier; pools have no weights
    'vgg': Layout(
        'VGG (block0..4, classifier)',
        'block0.0.weight',
        [
            (rf'block([0-4])\.(\d+)\.{_PARAM}', _vgg_key),
            (r'classifier\.(weight|bias)', r'head.fc.\1'),
        ],
    ),
}


# -- architectures by name --------------------------------------------------------------------
def parse_arch(name: str) -> Tuple[str, dict, int]:
    """``resnet32x4`` / ``wrn_40_2`` / ``vgg13`` -> (layout, mmkd backbone dict, its channels)."""
    match = re.fullmatch(r'resnet(\d+)(?:x(\d+))?', name)
    if match and (int(match[1]) - 2) % 6 == 0 and int(match[1]) >= 8:
        width = int(match[2] or 1)
        return (
            'resnet',
            dict(type='mmkd.CIFARResNet', depth=int(match[1]), width_multiplier=width),
            64 * width,
        )
    match = re.fullmatch(r'wrn_(\d+)_(\d+)', name)
    if match and (int(match[1]) - 4) % 6 == 0 and int(match[1]) >= 10:
        widen = int(match[2])
        return (
            'wrn',
            dict(type='mmkd.WideResNet', depth=int(match[1]), widen_factor=widen),
            64 * widen,
        )
    match = re.fullmatch(r'vgg(\d+)(?:_bn)?', name)
    if match and int(match[1]) in VGG_SETTINGS:
        return 'vgg', dict(type='mmkd.CIFARVGG', depth=int(match[1])), 512
    raise ConfigError(f'--arch {name!r} is not a CIFAR zoo architecture; give one of {SUPPORTED}.')


@functools.lru_cache(maxsize=1)
def _zoo() -> Config:
    return Config.fromfile(ZOO)


def model_config(name: str, num_classes: int) -> ConfigDict:
    """The zoo's classifier for ``name`` (the very model the distill configs build); for an
    architecture the zoo file does not list, the zoo's classifier around that backbone."""
    _, backbone, channels = parse_arch(name)
    zoo = _zoo()
    if name in zoo:
        cfg = copy.deepcopy(zoo[name])
    else:
        cfg = copy.deepcopy(zoo['resnet20'])
        cfg.backbone = ConfigDict(backbone)
        cfg.head.in_channels = channels
    cfg.head.num_classes = num_classes
    return cfg


# -- reading the source -----------------------------------------------------------------------
def source_state_dict(path: str) -> Tuple['OrderedDict[str, torch.Tensor]', dict]:
    """The weights of a shared teacher file, and the whole checkpoint (for its meta data)."""
    if not osp.isfile(path):
        raise ConfigError(f'{path}: no such file; give the path of a teacher .pth file.')
    try:
        checkpoint = load_checkpoint_file(path, 'CIFAR teacher')
    except ConfigError as err:
        raise ConfigError(
            f"{err} (RepDistiller's <arch>_last.pth also pickles its argparse options; its "
            'ckpt_epoch_240.pth and <arch>_best.pth hold only weights and numbers.)'
        ) from err
    state = checkpoint
    if isinstance(checkpoint, Mapping):
        for key in ('model', 'state_dict'):
            if isinstance(checkpoint.get(key), Mapping):
                state = checkpoint[key]
                break
    if not (
        isinstance(state, Mapping)
        and state
        and all(isinstance(v, torch.Tensor) for v in state.values())
    ):
        found = sorted(state)[:5] if isinstance(state, Mapping) else type(state).__name__
        raise ConfigError(
            f"{path}: not a checkpoint of model weights (found {found}); expected {{'model': "
            'state_dict, ...}} as mdistiller / RepDistiller save, or a bare state dict.'
        )
    if all(k.startswith('module.') for k in state):  # saved from DataParallel
        state = {k[len('module.') :]: v for k, v in state.items()}
    return OrderedDict(state), checkpoint if isinstance(checkpoint, dict) else {}


def _few(keys: List[str], limit: int = 4) -> str:
    """A few keys, and when there are more, their count and the top-level modules they sit in."""
    if len(keys) <= limit:
        return ', '.join(keys)
    roots = list(OrderedDict.fromkeys(k.split('.', 1)[0] for k in keys))
    return f'{", ".join(keys[:limit])} ... ({len(keys)} in all, under {", ".join(roots)})'


def find_layout(path: str, state: Mapping[str, torch.Tensor]) -> str:
    """The family whose signature key the file has; otherwise the error naming its keys."""
    families = [f for f, layout in LAYOUTS.items() if layout.signature in state]
    if len(families) == 1:
        return families[0]
    if all(k.startswith(('backbone.', 'head.')) for k in state):
        raise ConfigError(
            f'{path}: already in the mmkd zoo layout (backbone.*, head.*); use it as '
            'teacher_ckpt directly.'
        )
    unknown = [k for k in state if not any(lay.rename(k) for lay in LAYOUTS.values())]
    what = (
        f'keys not recognised: {_few(unknown)}'
        if unknown
        else 'none of the keys that tell a layout: '
        + ', '.join(lay.signature for lay in LAYOUTS.values())
    )
    raise ConfigError(
        f'{path}: unknown CIFAR teacher key layout ({what}). Supported: {SUPPORTED}; '
        'with --arch NAME the file is checked against that model, naming every key that differs.'
    )


def detect_arch(path: str, family: str, state: Mapping[str, torch.Tensor]) -> str:
    """The architecture name (as mdistiller and the zoo file call it) from the keys and shapes."""

    def count(pattern: str) -> int:
        return len({m[1] for k in state for m in [re.fullmatch(pattern, k)] if m})

    def widen(key: str) -> int:
        width = state[key].shape[0]
        if width % 16:
            raise ConfigError(f'{path}: {key} has {width} filters; the zoo stages have 16*k.')
        return width // 16

    if family == 'resnet':
        depth = 6 * count(r'layer1\.(\d+)\.conv1\.weight') + 2
        width = widen('layer1.0.conv1.weight')
        return f'resnet{depth}' + (f'x{width}' if width != 1 else '')
    if family == 'wrn':
        depth = 6 * count(r'block1\.layer\.(\d+)\.conv1\.weight') + 4
        return f'wrn_{depth}_{widen("block1.layer.0.conv1.weight")}'
    if 'block0.1.running_mean' not in state:
        raise ConfigError(
            f'{path}: a VGG without BatchNorm (their vgg13, not vgg13_bn); mmkd.CIFARVGG has BN '
            'after every conv (as the shared teachers do), so these weights do not fit it.'
        )
    widths = [
        [
            state[k].shape[0]
            for k in state
            if re.fullmatch(rf'block{stage}\.\d+\.weight', k) and state[k].dim() == 4
        ]
        for stage in range(5)
    ]
    for depth, setting in VGG_SETTINGS.items():
        if setting == widths:
            return f'vgg{depth}'
    raise ConfigError(
        f'{path}: VGG conv widths {widths} match no CIFARVGG depth ({sorted(VGG_SETTINGS)}).'
    )


# -- converting -------------------------------------------------------------------------------
def convert(src: str, dst: str, arch: Union[str, None] = None) -> str:
    """Convert ``src`` into ``dst``; returns the architecture name."""
    state, checkpoint = source_state_dict(src)
    if osp.exists(dst) and osp.samefile(src, dst):
        raise ConfigError(f'refusing to overwrite the source {src}: give another DST.')
    family = parse_arch(arch)[0] if arch else find_layout(src, state)
    layout = LAYOUTS[family]
    unknown = [k for k in state if layout.rename(k) is None]
    if unknown:
        raise ConfigError(
            f'{src}: keys not recognised in the {layout.name} layout: {_few(unknown)}. '
            f'Supported: {SUPPORTED}' + ('; drop --arch to detect the layout.' if arch else '.')
        )
    renamed = OrderedDict((layout.rename(k), v) for k, v in state.items())
    name = arch.removesuffix('_bn') if arch else detect_arch(src, family, state)
    num_classes = renamed['head.fc.weight'].shape[0] if 'head.fc.weight' in renamed else 100
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = build_model(model_config(name, num_classes))
    mismatch = compare_state_dicts(model.state_dict(), renamed)
    if mismatch:
        raise ConfigError(
            f'{src} does not fit the mmkd {name} (keys after renaming): {mismatch.describe()}. '
            + (
                'Check --arch, or drop it to detect the architecture.'
                if arch
                else f'Read as {name} from its keys; if it is another model, give --arch NAME.'
            )
        )
    model.load_state_dict(renamed, strict=True)
    meta = dict(
        mmkd_converted_from=osp.abspath(src),
        arch=name,
        num_classes=int(num_classes),
        zoo_model=f'configs/_base_/models/cifar_kd_zoo.py: {name}' if name in _zoo() else None,
    )
    for key in ('epoch', 'accuracy', 'best_acc'):  # what their training scripts store
        value = checkpoint.get(key)
        value = value.item() if isinstance(value, torch.Tensor) and value.numel() == 1 else value
        if value is not None and is_plain(value):
            meta[f'source_{key}'] = value
    try:
        os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
        atomic_torch_save({'state_dict': model.state_dict(), 'meta': meta}, dst)
    except OSError as err:
        raise ConfigError(
            f'cannot write {dst} ({type(err).__name__}: {err}): give a DST in a writable directory.'
        ) from err
    return name


def parse_args(argv: Union[Sequence[str], None] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'src', help='the shared teacher, e.g. resnet32x4_vanilla/ckpt_epoch_240.pth'
    )
    parser.add_argument('dst', help='where to write the mmkd checkpoint (.pth)')
    parser.add_argument(
        '--arch',
        help='the architecture, e.g. resnet32x4, wrn_40_2, vgg13 (default: read from the file); '
        'the file must fit it exactly',
    )
    return parser.parse_args(argv)


def main(argv: Union[Sequence[str], None] = None) -> int:
    args = parse_args(argv)
    name = convert(args.src, args.dst, args.arch)
    print(f'{args.src} ({name}) -> {args.dst}')
    if name in _zoo():
        print(f"use it with the zoo model `_base_.{name}`: teacher_ckpt='{args.dst}'")
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
