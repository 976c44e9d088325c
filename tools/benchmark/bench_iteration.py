"""Time and memory of one training iteration: SDKD vs KD vs the student alone.

    python tools/benchmark/bench_iteration.py                      # the segmentation demo pair
    python tools/benchmark/bench_iteration.py --batch-size 2 --iters 10 --device cuda

One iteration is ``model.train_step(batch, optim_wrapper)``: data preprocessing, forward(s),
loss, backward and the optimizer step, with each config's own optimizer. The batch is synthetic
(random images and labels of the demo's size), the teacher keeps its random initial weights:
neither changes the cost. Reported per model:

* time: median wall time of ``--iters`` iterations after ``--warmup`` iterations;
* peak memory: CUDA: ``torch.cuda.max_memory_allocated`` over one iteration. CPU: the tensors
  that live across iterations (parameters, buffers, gradients, optimizer state) plus the peak of
  torch's CPU allocations during one iteration (activations, temporaries), from the profiler's
  allocation events (``profile_memory=True``), so Python objects and libraries are not counted.

Ratios are relative to the student alone and to KD.
"""

import argparse
import copy
import statistics
import sys
import time
import warnings
from os import path as osp
from typing import Dict, List

import torch
from prettytable import PrettyTable

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
warnings.filterwarnings('ignore')
from mmengine.config import Config  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import MODELS, DefaultScope  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.apis import is_distiller_config  # noqa: E402

CFG = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')
DEFAULT_CONFIGS = dict(
    student=f'{CFG}/models/seg_pspnet-r18w8_demo-600it_embedded-cityscapes.py',
    kd=f'{CFG}/kd/seg_kd_demo.py',
    sdkd=f'{CFG}/sdkd/seg_sdkd_demo.py',
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    for name, path in DEFAULT_CONFIGS.items():
        parser.add_argument(f'--{name}-config', default=path, help=f'{name} config')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--height', type=int, default=64)
    parser.add_argument('--width', type=int, default=128)
    parser.add_argument('--num-classes', type=int, default=19)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--sdkd-k',
        type=float,
        default=1.0,
        help='k of the SDKD model (1: phase 2, every term active)',
    )
    return parser.parse_args()


def seg_batch(args: argparse.Namespace, seed: int = 0) -> dict:
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    g = torch.Generator().manual_seed(seed)
    size = (args.height, args.width)
    inputs, samples = [], []
    for _ in range(args.batch_size):
        inputs.append(torch.randint(0, 255, (3, *size), generator=g).to(torch.uint8))
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, args.num_classes, (1, *size), generator=g)
        )
        sample.set_metainfo(
            dict(img_shape=size, ori_shape=size, pad_shape=size, padding_size=[0, 0, 0, 0])
        )
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build(config: str, device: str, sdkd_k: float):
    cfg = Config.fromfile(config)
    if is_distiller_config(cfg):
        cfg.model.teacher_ckpt = None  # random teacher: same cost
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmseg')):
        model = MODELS.build(cfg.model).to(device)
        if hasattr(model, 'k'):
            model.k.fill_(sdkd_k)
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    return model, optim


def persistent_bytes(model: torch.nn.Module, optim) -> int:
    tensors = list(model.parameters()) + list(model.buffers())
    tensors += [p.grad for p in model.parameters() if p.grad is not None]
    for state in optim.optimizer.state.values():
        tensors += [v for v in state.values() if torch.is_tensor(v)]
    seen, total = set(), 0
    for t in tensors:
        if t.data_ptr() not in seen:
            seen.add(t.data_ptr())
            total += t.numel() * t.element_size()
    return total


def cpu_iteration_peak(step) -> int:
    """Peak of torch's CPU allocations during ``step()``, above the level at its start."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    events = sorted(
        (e.start_ns(), e.nbytes())
        for e in prof.profiler.kineto_results.events()
        if e.name() == '[memory]' and str(e.device_type()).endswith('CPU')
    )
    level = peak = 0
    for _, nbytes in events:
        level += nbytes
        peak = max(peak, level)
    return peak


def measure(name: str, config: str, args: argparse.Namespace) -> Dict[str, float]:
    model, optim = build(config, args.device, args.sdkd_k)
    batch = seg_batch(args)

    def step():
        logs = model.train_step(copy.deepcopy(batch), optim)
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        return logs

    for _ in range(args.warmup):
        step()
    times: List[float] = []
    for _ in range(args.iters):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    if args.device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
        step()
        peak = torch.cuda.max_memory_allocated()
    else:
        peak = persistent_bytes(model, optim) + cpu_iteration_peak(step)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return dict(name=name, time=statistics.median(times), peak=peak, params=params)


def main() -> None:
    args = parse_args()
    MMLogger.get_instance('bench_iteration', log_level='ERROR')  # no per-parameter optim logs
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = [measure(name, getattr(args, f'{name}_config'), args) for name in DEFAULT_CONFIGS]
    by = {r['name']: r for r in rows}
    print(
        f'\nOne training iteration, device={args.device}, threads={torch.get_num_threads()}, '
        f'batch {args.batch_size}x3x{args.height}x{args.width}, median of {args.iters} '
        f'after {args.warmup} warm-up, SDKD k={args.sdkd_k:g}'
    )
    table = PrettyTable(
        [
            'model',
            'trainable',
            'time (ms)',
            'peak (MiB)',
            'time/student',
            'time/KD',
            'mem/student',
            'mem/KD',
        ],
        align='r',
    )
    table.align['model'] = 'l'
    for r in rows:
        table.add_row(
            [
                r['name'],
                f'{r["params"] / 1e6:.3f}M',
                f'{r["time"] * 1e3:.1f}',
                f'{r["peak"] / 2**20:.1f}',
                f'{r["time"] / by["student"]["time"]:.2f}',
                f'{r["time"] / by["kd"]["time"]:.2f}',
                f'{r["peak"] / by["student"]["peak"]:.2f}',
                f'{r["peak"] / by["kd"]["peak"]:.2f}',
            ]
        )
    print(table)


if __name__ == '__main__':
    main()
