"""What a student costs against its teacher: parameters, FLOPs and inference images/s.

For a distillation config the student and every teacher are measured; for a plain model config,
the model. FLOPs come from ``mmengine.analysis`` (fvcore-style counting: one multiply-add is one
FLOP), speed from timed ``mode='tensor'`` forwards under ``torch.no_grad`` in eval mode (median of
``--runs`` after ``--warmup``), at one input size for every model::

    python tools/analysis/cost.py configs/kd/seg_kd_demo.py --shape 64 128
    python tools/analysis/cost.py configs/kd/seg_kd_pspnet-r101_to_pspnet-r18_*.py \\
        --shape 512 1024 --device cuda --out cost.json

The input size defaults to the config's test-time size when it can be read (the data
preprocessor's ``size``, a test ``Resize`` scale, 32x32 for the CIFAR datasets, or the first test
image when the data is on disk); give ``--shape H W`` otherwise. Models are built untrained:
cost does not depend on the weights.
"""

import argparse
import json
import os.path as osp
import statistics
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from typing import List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
import mmkd  # noqa: E402,F401
from mmkd.apis import is_distiller_config  # noqa: E402
from mmkd.models.build import resolve_model_cfg  # noqa: E402
from mmkd.utils import ConfigError  # noqa: E402


@dataclass
class Cost:
    config: str
    role: str  # 'student', 'teacher', 'teacher <name>' or 'model'
    model: str
    params: int
    flops: int
    images_per_s: float
    shape: Tuple[int, int]


def model_cfgs(cfg: Config) -> List[Tuple[str, dict]]:
    """(role, plain model config) of everything a config's run would deploy or distil from."""
    if not is_distiller_config(cfg):
        return [('model', dict(cfg.model))]
    roles = [('student', resolve_model_cfg(cfg.model.student))]
    teachers = cfg.model.get('teachers')
    if teachers:
        roles += [
            (f'teacher {name}', resolve_model_cfg(t['model'])) for name, t in teachers.items()
        ]
    else:
        roles.append(('teacher', resolve_model_cfg(cfg.model.teacher)))
    return roles


def test_shape(cfg: Config) -> Optional[Tuple[int, int]]:
    """The (H, W) a config tests at, where the config says it plainly."""
    preprocessor = cfg.model.get('data_preprocessor') or {}
    if preprocessor.get('size'):
        return tuple(preprocessor['size'])
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    for transform in dataset.get('pipeline', []):
        if 'Resize' in str(transform.get('type')) and isinstance(
            transform.get('scale'), (list, tuple)
        ):
            width, height = transform['scale']  # mmcv/mmseg scales are (w, h)
            return int(height), int(width)
    if 'CIFAR' in str(dataset.get('type', '')):
        return 32, 32
    return first_test_image_shape(cfg)


def first_test_image_shape(cfg: Config) -> Optional[Tuple[int, int]]:
    """The size of the first test image after the test pipeline, when the data is on disk."""
    from mmengine.registry import DATASETS, DefaultScope

    dataset_cfg = cfg.get('test_dataloader', {}).get('dataset')
    if not dataset_cfg:
        return None
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope') or 'mmengine'):
        try:
            dataset = DATASETS.build(dataset_cfg)
            return tuple(dataset[0]['inputs'].shape[-2:]) if len(dataset) else None
        except (FileNotFoundError, OSError):  # no data here: the caller asks for --shape
            return None


def build(model_cfg: dict, scope: str) -> torch.nn.Module:
    from mmengine.registry import MODELS, DefaultScope

    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(model_cfg)


def count_flops(model: torch.nn.Module, inputs: torch.Tensor) -> int:
    from mmengine.analysis import FlopAnalyzer

    analyzer = FlopAnalyzer(model, inputs=(inputs,))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return int(analyzer.total())


def images_per_second(
    model: torch.nn.Module, inputs: torch.Tensor, warmup: int, runs: int
) -> float:
    times = []
    sync = torch.cuda.synchronize if inputs.is_cuda else (lambda: None)
    with torch.no_grad():
        for index in range(warmup + runs):
            sync()
            start = time.perf_counter()
            model(inputs, mode='tensor')
            sync()
            if index >= warmup:
                times.append(time.perf_counter() - start)
    return inputs.shape[0] / statistics.median(times)


def measure(
    config: str, shape: Optional[Sequence[int]], batch: int, device: str, warmup: int, runs: int
) -> List[Cost]:
    if not osp.isfile(config):
        raise ConfigError(f'config not found: {config!r}')
    cfg = Config.fromfile(config)
    size = tuple(shape) if shape else test_shape(cfg)
    if size is None:
        raise ConfigError(
            f'{config}: cannot tell the test input size from the config and its '
            'test data is not on disk; give --shape H W.'
        )
    scope = cfg.get('default_scope', 'mmengine')
    out = []
    for role, model_cfg in model_cfgs(cfg):
        model = build(model_cfg, scope).to(device).eval()
        # FLOPs at batch 1 (per image), speed at --batch
        flops = count_flops(model, torch.randn(1, 3, *size, device=device))
        speed = images_per_second(model, torch.randn(batch, 3, *size, device=device), warmup, runs)
        out.append(
            Cost(
                osp.basename(config),
                role,
                type(model).__name__,
                sum(p.numel() for p in model.parameters()),
                flops,
                speed,
                size,
            )
        )
    return out


def table(costs: Sequence[Cost]) -> str:
    """Each model with its ratios to the teacher of the same config (what distillation buys)."""
    from prettytable import PrettyTable

    rows = PrettyTable(
        [
            'config',
            'role',
            'model',
            'input',
            'params (M)',
            'GFLOPs',
            'images/s',
            'params vs teacher',
            'FLOPs vs teacher',
            'speed-up',
        ]
    )
    rows.align = 'r'
    rows.align['config'] = rows.align['role'] = rows.align['model'] = 'l'
    for cost in costs:
        teacher = next(
            (c for c in costs if c.config == cost.config and c.role.startswith('teacher')), None
        )
        relative = teacher is not None and cost.role == 'student'
        rows.add_row(
            [
                cost.config,
                cost.role,
                cost.model,
                f'{cost.shape[0]}x{cost.shape[1]}',
                f'{cost.params / 1e6:.3f}',
                f'{cost.flops / 1e9:.3f}',
                f'{cost.images_per_s:.1f}',
                f'{cost.params / teacher.params:.3f}x' if relative else '',
                f'{cost.flops / teacher.flops:.3f}x' if relative else '',
                f'{cost.images_per_s / teacher.images_per_s:.2f}x' if relative else '',
            ]
        )
    return rows.get_string()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument(
        '--shape',
        nargs=2,
        type=int,
        metavar=('H', 'W'),
        help="input size (default: the config's test size)",
    )
    parser.add_argument('--batch', type=int, default=1, help='batch size of the timed forwards')
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--runs', type=int, default=10, help='timed forwards (median is reported)')
    parser.add_argument('--out', help='also write the rows as JSON to this file')
    args = parser.parse_args(argv)
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise ConfigError('--device cuda: no CUDA device is visible here; use --device cpu.')
    costs = [
        c
        for config in args.configs
        for c in measure(config, args.shape, args.batch, args.device, args.warmup, args.runs)
    ]
    print(table(costs))
    print(
        f'(torch {torch.__version__}, {args.device}, {torch.get_num_threads()} threads, '
        f'batch {args.batch}, median of {args.runs})'
    )
    if args.out:
        with open(args.out, 'w') as f:
            json.dump([asdict(c) for c in costs], f, indent=2)
    return 0


if __name__ == '__main__':
    from mmkd.apis.cli import run_cli

    sys.exit(run_cli(main))
