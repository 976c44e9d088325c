"""Time and memory of one training iteration: SDKD vs KD vs the student alone.

    python tools/benchmark/bench_iteration.py                      # the segmentation demo pair
    python tools/benchmark/bench_iteration.py --batch-size 2 --iters 10 --device cuda

One iteration is ``model.train_step(batch, optim_wrapper)``: data preprocessing, forward(s),
loss, backward and the optimizer step, with each config's own optimizer. The batch is synthetic
(random images and labels of the demo's size), the teacher keeps its random initial weights:
neither changes the cost. Reported per model:

* time: median wall time (and process CPU time, steadier on a shared machine) of ``--rounds``
  x ``--iters`` iterations after ``--warmup`` iterations, the models taking turns round by round
  (a load change on a shared machine hits all alike);
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
from typing import Callable, Dict, List, Mapping, Optional

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
    parser.add_argument('--iters', type=int, default=5, help='timed iterations per round')
    parser.add_argument('--rounds', type=int, default=1, help='rounds of --iters per model')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--sdkd-k',
        type=float,
        default=1.0,
        help='k of the SDKD model (1: phase 2, every term active)',
    )
    parser.add_argument(
        '--sdkd-proxy-pass',
        choices=('from_fusion', 'full'),
        default=None,
        help="the SDKD model's proxy_pass (default: the config's)",
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


def build(config: str, device: str, sdkd_k: float, proxy_pass: Optional[str] = None):
    cfg = Config.fromfile(config)
    if is_distiller_config(cfg):
        cfg.model.teacher_ckpt = None  # random teacher: same cost
    if proxy_pass is not None and cfg.model.type.endswith('SDKD'):
        cfg.model.proxy_pass = proxy_pass
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


def interleaved_times(
    steps: Mapping[str, Callable[[], object]], warmup: int, iters: int, rounds: int = 1
) -> Dict[str, Dict[str, List[float]]]:
    """Times of ``rounds`` x ``iters`` calls of each step after ``warmup`` calls, the steps
    taking turns round by round: ``{name: {'wall': [...], 'cpu': [...]}}``. ``cpu`` is the
    process's CPU time (all its threads), which other processes on a shared machine disturb far
    less than the wall time. Each step synchronises its device itself."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    times = {name: dict(wall=[], cpu=[]) for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            for _ in range(iters):
                wall, cpu = time.perf_counter(), time.process_time()
                step()
                times[name]['cpu'].append(time.process_time() - cpu)
                times[name]['wall'].append(time.perf_counter() - wall)
    return times


def peak_memory(step: Callable[[], object], persistent: int, device: str) -> int:
    """Peak memory of one more ``step()``: CUDA's peak allocation; on the CPU ``persistent``
    (what lives across steps, :func:`persistent_bytes`) plus the step's allocation peak."""
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
        step()
        return torch.cuda.max_memory_allocated()
    return persistent + cpu_iteration_peak(step)


def train_step(model, optim, batch: dict, device: str) -> Callable[[], object]:
    """``model.train_step`` on a fresh copy of ``batch`` (the preprocessor moves it in place)."""

    def step():
        logs = model.train_step(copy.deepcopy(batch), optim)
        if device.startswith('cuda'):
            torch.cuda.synchronize()
        return logs

    return step


def measure_all(args: argparse.Namespace) -> List[Dict[str, float]]:
    built = {
        name: build(getattr(args, f'{name}_config'), args.device, args.sdkd_k, args.sdkd_proxy_pass)
        for name in DEFAULT_CONFIGS
    }
    batch = seg_batch(args)
    steps = {
        name: train_step(model, optim, batch, args.device) for name, (model, optim) in built.items()
    }
    times = interleaved_times(steps, args.warmup, args.iters, args.rounds)
    rows = []
    for name, (model, optim) in built.items():
        peak = peak_memory(steps[name], persistent_bytes(model, optim), args.device)
        params = sum(p.numel() for p in model.parameters() if p.requires_grad)
        median = {clock: statistics.median(values) for clock, values in times[name].items()}
        row = dict(name=name, time=median['wall'], cpu=median['cpu'], peak=peak, params=params)
        rows.append(dict(row, proxy_pass=getattr(model, 'proxy_pass', None)))
    return rows


def main() -> None:
    args = parse_args()
    MMLogger.get_instance('bench_iteration', log_level='ERROR')  # no per-parameter optim logs
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = measure_all(args)
    by = {r['name']: r for r in rows}
    print(
        f'\nOne training iteration, device={args.device}, threads={torch.get_num_threads()}, '
        f'batch {args.batch_size}x3x{args.height}x{args.width}, median of {args.rounds} x '
        f'{args.iters} (interleaved rounds) after {args.warmup} warm-up, SDKD k={args.sdkd_k:g}'
        f', proxy_pass={by["sdkd"]["proxy_pass"]}'
    )
    table = PrettyTable(
        [
            'model',
            'trainable',
            'time (ms)',
            'peak (MiB)',
            'time/student',
            'time/KD',
            'cpu (ms)',
            'cpu/KD',
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
                f'{r["cpu"] * 1e3:.1f}',
                f'{r["cpu"] / by["kd"]["cpu"]:.2f}',
                f'{r["peak"] / by["student"]["peak"]:.2f}',
                f'{r["peak"] / by["kd"]["peak"]:.2f}',
            ]
        )
    print(table)


if __name__ == '__main__':
    main()
