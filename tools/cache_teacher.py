"""Fill a teacher-output cache for a distiller config (see docs/teacher_cache.md).

    python tools/cache_teacher.py configs/kd/seg_kd_demo.py --out work_dirs/cache/seg_demo
    python tools/cache_teacher.py configs/kd/cls_kd_demo.py --out DIR --mode geometric

``--mode exact`` (default) runs the config's own training loop (same seed, sampler, pipeline and
hooks) with each step replaced by the teacher's forward, so it writes one entry for every
sample the training run will draw; every run of that config with the same seed then hits.
``--mode geometric`` runs the teacher once per training image on the un-augmented image (the
training pipeline without its random transforms). Either way it prints the storage per entry
and the projected total for Cityscapes-size data (2975 images at 512x1024).

Then train with the cache: ``--cfg-options model.teacher_cache.dir=DIR
model.teacher_cache.mode=exact`` (or put ``teacher_cache=dict(dir=..., mode=...)`` in the model).
"""

import argparse
import copy
import os.path as osp
import sys
import tempfile
import warnings
from typing import Any, Dict, List

import numpy as np
import torch
from prettytable import PrettyTable

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
warnings.filterwarnings('ignore', message='Detected call of `scheduler.step()`')  # no optimizer
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.apis.preflight import read_config  # noqa: E402
from mmkd.models.teacher_cache import (  # noqa: E402
    DTYPES,
    MODES,
    TeacherCache,
    _jsonable,
    sample_identity,
)
from mmkd.utils import ConfigError  # noqa: E402

#: transforms left out of the un-augmented (geometric mode) pipeline: random views and colours
RANDOM_TRANSFORMS = (
    'RandomFlip',
    'RandomCrop',
    'RecordedRandomCrop',
    'RandomResize',
    'RandomResizedCrop',
    'RandomChoiceResize',
    'RandomRotate',
    'RandomRotFlip',
    'PhotoMetricDistortion',
    'ColorJitter',
    'RandomErasing',
    'RandAugment',
    'AutoAugment',
)
CITYSCAPES = dict(images=2975, height=512, width=1024, iters=40_000, batch=16)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a distiller config')
    parser.add_argument('--out', help='cache directory (default: work_dirs/teacher_cache/<name>)')
    parser.add_argument('--mode', choices=MODES, default='exact')
    parser.add_argument(
        '--dtype', choices=sorted(DTYPES), help='default: exact fp32, geometric fp16'
    )
    parser.add_argument('--topk', type=int, help='store the K largest channels only (SFKD)')
    parser.add_argument(
        '--limit', type=int, help='stop after N training iterations (exact) or images (geometric)'
    )
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='config overrides')
    return parser.parse_args()


def load(args: argparse.Namespace) -> Config:
    cfg = read_config(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if 'teacher' not in cfg.model and 'teachers' not in cfg.model:
        raise ConfigError(f'{args.config} is not a distiller config (its model has no teacher).')
    name = osp.splitext(osp.basename(args.config))[0]
    args.out = args.out or osp.join('work_dirs', 'teacher_cache', f'{name}_{args.mode}')
    cfg.model.teacher_cache = dict(
        dir=args.out, mode=args.mode, dtype=args.dtype, topk=args.topk, writable=True
    )
    return cfg


class _Done(Exception):
    """Ends the training loop after --limit iterations."""


def fill_exact(cfg: Config, limit: int = None) -> TeacherCache:
    """The config's training loop, each step only the teacher's forward (which writes)."""
    cfg.work_dir = tempfile.mkdtemp(prefix='cache_teacher_')  # logs only; no checkpoints
    cfg.log_level = 'WARNING'
    cfg.default_hooks.checkpoint = None
    for key in ('val_cfg', 'val_dataloader', 'val_evaluator'):
        cfg[key] = None
    cfg.custom_hooks = [
        h for h in cfg.get('custom_hooks', []) if not h['type'].endswith('TeacherReferenceHook')
    ]
    runner = Runner.from_cfg(cfg)
    model = runner.model
    steps = [0]

    def teacher_step(data: Any, optim_wrapper: Any = None) -> Dict[str, torch.Tensor]:
        if limit is not None and steps[0] >= limit:
            raise _Done
        steps[0] += 1
        batch = model.data_preprocessor(data, True)
        with torch.no_grad():
            model.teacher_forward(batch['inputs'], batch['data_samples'])
        for taps in model.teacher_taps.values():
            taps.clear()
        return {}

    model.train_step = teacher_step
    try:
        runner.train()
    except _Done:
        pass
    return model.teacher_cache


def base_pipeline(pipeline: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The training pipeline without its random transforms: the un-augmented image."""
    kept = [t for t in pipeline if str(t['type']).split('.')[-1] not in RANDOM_TRANSFORMS]
    for t in kept:
        if str(t['type']).startswith('Pack'):
            keys = t.get('meta_keys')
            if keys is not None and not {'img_path', 'sample_idx'} & set(keys):
                t['meta_keys'] = (*keys, 'img_path', 'sample_idx')
    return kept


def fill_geometric(cfg: Config, limit: int = None) -> TeacherCache:
    """The teacher on every training image without augmentation, keyed by its identity."""
    train_pipeline = _jsonable(cfg.train_dataloader.dataset.pipeline)
    cfg.model.teacher_cache['pipeline'] = train_pipeline
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.dataset.pipeline = base_pipeline(loader_cfg.dataset.pipeline)
    loader_cfg.sampler = dict(type='DefaultSampler', shuffle=False)
    loader_cfg.batch_size = 1  # any image size; the teacher's outputs do not depend on the batch
    loader_cfg.pop('batch_sampler', None)
    cfg.work_dir = tempfile.mkdtemp(prefix='cache_teacher_')
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    loader = runner.build_dataloader(loader_cfg)
    model = runner.model
    model.eval()
    cache = model.teacher_cache
    for i, data in enumerate(loader):
        if limit is not None and i >= limit:
            break
        batch = model.data_preprocessor(data, False)
        inputs, samples = batch['inputs'], batch['data_samples']
        if cache.fingerprint['input_size'] is None:
            cache.fingerprint['input_size'] = list(inputs.shape[1:])
        records = {}
        with torch.no_grad():
            for name, taps in model.teacher_taps.items():
                taps.run(model.teachers[name], inputs, mode='tensor')
                records[name] = {tap: taps[tap] for tap in taps.specs}
        cache.write([sample_identity(s) for s in samples], records)
    return cache


def report(cache: TeacherCache, topk: int = 5) -> None:
    """Stored bytes per entry, and the projected totals for Cityscapes-size data in fp32, fp16
    and fp16 top-K (values + uint8 indices)."""
    size = cache.fingerprint['input_size']
    area = CITYSCAPES['height'] * CITYSCAPES['width'] / (size[-2] * size[-1])
    table = PrettyTable(['part', 'shape per entry', 'stored as', 'bytes per entry'])
    total = 0
    for part, spec in cache.layout.items():
        nbytes = int(np.prod(spec['shape'])) * np.dtype(spec['dtype']).itemsize
        table.add_row([part, tuple(spec['shape']), spec['dtype'], f'{nbytes:,}'])
        total += nbytes
    entries = len(cache)
    print(table)
    print(f'{entries} entries, {entries * total / 2**20:.2f} MiB on disk in {cache.dir}')
    c = CITYSCAPES
    projection = PrettyTable(
        [
            f'stored as ({c["height"]}x{c["width"]} inputs)',
            'MiB per entry',
            f'geometric: {c["images"]} images (GiB)',
            f'exact: {c["iters"] // 1000}k iters x {c["batch"]} (GiB)',
        ]
    )
    for name, value_bytes, k in [('float32', 4, None), ('float16', 2, None), ('float16', 2, topk)]:
        per_entry = 0.0
        for spec in cache.layout.values():
            if spec['kind'] == 'indices':
                continue
            shape = spec.get('dense_shape', spec['shape'])
            scale = area if len(shape) >= 3 else 1.0
            channels = shape[0] if k is None else min(k, shape[0])
            index_bytes = 0 if k is None else 1  # uint8 indices (up to 256 channels)
            per_entry += channels * int(np.prod(shape[1:])) * (value_bytes + index_bytes) * scale
        label = name if k is None else f'{name} top-{k} + uint8 indices'
        projection.add_row(
            [
                label,
                f'{per_entry / 2**20:.2f}',
                f'{per_entry * c["images"] / 2**30:.2f}',
                f'{per_entry * c["iters"] * c["batch"] / 2**30:.1f}',
            ]
        )
    print(
        'Projected for Cityscapes-size data (these teacher taps, their spatial size scaled to '
        'the input area; exact mode stores one entry per sample drawn):'
    )
    print(projection)


def main() -> int:
    args = parse_args()
    cfg = load(args)
    fill = fill_exact if args.mode == 'exact' else fill_geometric
    cache = fill(cfg, args.limit)
    report(cache, args.topk or 5)
    return 0


if __name__ == '__main__':
    from mmkd.apis.cli import run_cli

    sys.exit(run_cli(main))
