"""GPU check: the paper-scale distillers train on synthetic data in the real shapes.

    python tools/benchmark/gpu_check.py                                # every task, < 10 min
    python tools/benchmark/gpu_check.py --configs seg_kd cls_kd --iters 50 --out gpu_check.json
    python tools/benchmark/gpu_check.py --cpu-smoke                    # what `make test` runs

For each config the distiller is built as the Runner builds it (MMEngine ``Config`` and the
MODELS registry, the config's top-level ``data_preprocessor`` given to the model,
``env_cfg.cudnn_benchmark``), with ``teacher_ckpt=None``: the teacher keeps random weights, no
download; this checks the machinery (shapes, memory, AMP, SyncBN/NCCL, speed), not accuracy.
One iteration is ``model.train_step(batch, optim_wrapper)`` with the optimizer of the config's
``optim_wrapper`` (``AmpOptimWrapper`` with dynamic loss scale for the AMP rows, as
``tools/train.py --amp`` sets it); there are no parameter schedulers, hooks or data loaders.
Batches are synthetic ``SegDataSample``/``DataSample`` lists in the real shapes (Cityscapes
512x1024 crops with labels 0..C-1 and some 255, NYU 480x480 depth maps in 0.5..10 m, CIFAR 32x32
with labels 0..C-1), the config's per-GPU batch size. SDKD runs with ``k=1`` (phase 2: every term
active). Rows per config:

* ``1 GPU``, ``1 GPU AMP``: one process (SyncBN reverted to BN, as MMEngine's Runner does when not
  distributed);
* ``2 GPUs NCCL SyncBN``: two processes (``torch.multiprocessing.spawn``, NCCL), BN converted to
  SyncBN (``mmengine.model.convert_sync_batchnorm``), MMEngine's DDP wrapper; only with 2+ GPUs.

(On the CPU the rows are named ``CPU``, ``CPU AMP``; ``--cpu-ddp`` runs the 2-process row there
with gloo and BN, slowly.) Columns: it/s (timed iterations / their wall time, CUDA synchronised
around each step), peak memory (CUDA: ``torch.cuda.max_memory_allocated`` over the timed
iterations; CPU: as ``bench_iteration.py`` measures it: parameters, buffers, gradients and
optimizer state plus the peak of torch's CPU allocations in one extra step; not RSS), loss finite
(every loss of every iteration, warm-up included), teacher share (time inside
``Distiller.teacher_forward``, CUDA events on GPU, over the step time). Without CUDA, or with
``--cpu-smoke``, the same code runs in a reduced mode: small inputs, batch 2, 2 iterations, no
AMP (``AmpOptimWrapper`` needs a GPU), no 2-process row; tests/test_tools/test_gpu_check.py runs
it. Not run on a GPU yet (see tools/benchmark/README.md).
"""

import argparse
import copy
import gc
import json
import os
import os.path as osp
import socket
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Dict, List, Optional, Tuple

import torch
from prettytable import PrettyTable

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(HERE))
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)
warnings.filterwarnings('ignore')
from bench_iteration import cpu_iteration_peak, persistent_bytes  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.model import (  # noqa: E402
    MMDistributedDataParallel,
    convert_sync_batchnorm,
    revert_sync_batchnorm,
)
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import MODELS, DefaultScope  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.models.build import resolve_model_cfg  # noqa: E402
from mmkd.utils import ConfigError  # noqa: E402

CFG = osp.join(ROOT, 'configs')
PAPER_CONFIGS = dict(
    seg_kd=f'{CFG}/kd/seg_kd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py',
    seg_sdkd=f'{CFG}/sdkd/seg_sdkd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py',
    depth_kd=f'{CFG}/kd/depth_kd_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py',
    cls_kd=f'{CFG}/kd/cls_kd_resnet32x4_to_resnet8x4_1xb64-240e_cifar100.py',
)
# (height, width) of one training input: the paper-scale crops, and the reduced CPU mode's
FULL_SHAPES = dict(seg=(512, 1024), depth=(480, 480), cls=(32, 32))
SMOKE_SHAPES = dict(seg=(32, 64), depth=(32, 32), cls=(32, 32))
IGNORE_INDEX = 255  # Cityscapes' unlabelled pixels
# the run column: device/process setup of a row
RUNS = dict(
    cuda=dict(single='1 GPU', amp='1 GPU AMP', ddp='2 GPUs NCCL SyncBN'),
    cpu=dict(single='CPU', amp='CPU AMP', ddp='2 GPUs NCCL SyncBN'),
)
RUN_DDP_CPU = '2 CPU procs gloo BN'  # the 2-process path on the CPU (--cpu-ddp), no SyncBN


@dataclass
class Plan:
    """How every row runs: device, iterations, input shapes, per-GPU batch (None: the config's)."""

    device: str
    smoke: bool
    warmup: int
    iters: int
    shapes: Dict[str, Tuple[int, int]]
    batch_size: Optional[int]
    amp: str  # 'both', 'on', 'off'
    ddp: bool
    cpu_ddp: bool = False


@dataclass
class Row:
    config: str
    run: str
    status: str = 'ok'  # 'ok', 'skipped (<why>)', 'error: <what>'
    batch: str = ''
    its: Optional[float] = None
    peak_bytes: Optional[int] = None
    loss_finite: Optional[bool] = None
    teacher_share: Optional[float] = None
    losses: List[float] = field(default_factory=list)  # the total loss of every iteration

    @property
    def failed(self) -> bool:
        return self.status.startswith('error') or self.loss_finite is False


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--configs',
        nargs='+',
        default=list(PAPER_CONFIGS),
        help=f'config files, or names of the paper-scale ones: {", ".join(PAPER_CONFIGS)}',
    )
    parser.add_argument('--cpu-smoke', action='store_true', help='the reduced mode, on the CPU')
    parser.add_argument('--iters', type=int, help='timed iterations (default 30; smoke: 2)')
    parser.add_argument('--warmup', type=int, help='untimed iterations first (5; smoke: 0)')
    parser.add_argument('--batch-size', type=int, help="per GPU (default: the config's)")
    parser.add_argument(
        '--amp',
        choices=['both', 'on', 'off'],
        default='both',
        help='rows without and/or with AMP (AmpOptimWrapper)',
    )
    parser.add_argument('--no-ddp', action='store_true', help='no 2-process row')
    parser.add_argument(
        '--cpu-ddp',
        action='store_true',
        help='on the CPU: the 2-process row with gloo and BN (SyncBN needs CUDA)',
    )
    parser.add_argument('--out', help='write the rows as JSON here')
    return parser.parse_args(argv)


def make_plan(args: argparse.Namespace) -> Plan:
    if args.iters is not None and args.iters < 1:
        raise SystemExit('gpu_check: --iters must be at least 1')
    smoke = args.cpu_smoke or not torch.cuda.is_available()
    return Plan(
        device='cpu' if smoke else 'cuda',
        smoke=smoke,
        warmup=args.warmup if args.warmup is not None else (0 if smoke else 5),
        iters=args.iters if args.iters is not None else (2 if smoke else 30),
        shapes=SMOKE_SHAPES if smoke else FULL_SHAPES,
        batch_size=args.batch_size if args.batch_size is not None else (2 if smoke else None),
        amp=args.amp,
        ddp=not args.no_ddp,
        cpu_ddp=args.cpu_ddp,
    )


def config_path(name: str) -> str:
    if name in PAPER_CONFIGS:
        return PAPER_CONFIGS[name]
    if not osp.isfile(name):
        raise SystemExit(
            f'gpu_check: no config {name!r}: give a file or one of {list(PAPER_CONFIGS)}'
        )
    return name


# --------------------------------------------------------------------------------- building
def task_of(cfg: Config) -> str:
    """'seg', 'depth' or 'cls', from the class of the distiller's student."""
    from mmpretrain.models import BaseClassifier
    from mmseg.models import DepthEstimator, EncoderDecoder

    student = resolve_model_cfg(cfg.model.student)
    with MODELS.switch_scope_and_registry(cfg.get('default_scope', 'mmseg')) as registry:
        cls = registry.get(student.type)
    if cls is None:
        raise ConfigError(f'student type {student.type!r} is not registered')
    for task, base in (('depth', DepthEstimator), ('seg', EncoderDecoder), ('cls', BaseClassifier)):
        if issubclass(cls, base):
            return task
    raise ConfigError(f'gpu_check has no synthetic data for a {cls.__name__} student')


def run_config(base: Config, task: str, shape: Tuple[int, int], amp: bool) -> Config:
    """The config as tools/train.py would run it, with a random teacher (no checkpoint), a
    student without pretrained backbone and the preprocessor padding to ``shape`` (the crop size
    at paper scale, smaller in smoke mode)."""
    cfg = copy.deepcopy(base)
    cfg.model.teacher_ckpt = None
    cfg.model.student.pretrained = None  # no ImageNet backbone download either
    if cfg.get('data_preprocessor') is not None:  # what the Runner gives a model (setdefault)
        cfg.model.setdefault('data_preprocessor', copy.deepcopy(cfg.data_preprocessor))
    if task in ('seg', 'depth'):
        # pad to `shape` (mmseg takes a size or a size_divisor, not both: demo configs give one)
        pre = dict(cfg.model.get('data_preprocessor') or {}, size=shape, size_divisor=None)
        cfg.model.data_preprocessor = pre
    if amp:  # as tools/train.py --amp
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    return cfg


def build(cfg: Config, device: torch.device, distributed: bool = False):
    """Model and optimizer as the Runner builds them: SyncBN and MMEngine's DDP wrapper in a
    multi-process GPU run, BN otherwise (SyncBN needs CUDA; gloo on the CPU gets plain BN)."""
    sync_bn = distributed and device.type == 'cuda'
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmseg')):
        model = MODELS.build(cfg.model)
        model.init_weights()
        model = model.to(device)
        model = convert_sync_batchnorm(model, 'torch') if sync_bn else revert_sync_batchnorm(model)
        if hasattr(model, 'k'):  # SDKD: phase 2, every term contributes
            model.k.fill_(1.0)
        model.train()
        if distributed:
            # what Runner.wrap_model builds when model_wrapper_cfg is unset
            model = MMDistributedDataParallel(
                module=model,
                device_ids=None if device.type == 'cpu' else [device.index],
                broadcast_buffers=False,
                find_unused_parameters=cfg.get('find_unused_parameters', False),
            )
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    return model, optim


# ---------------------------------------------------------------------------- synthetic data
def synthetic_batch(
    task: str, n: int, shape: Tuple[int, int], num_classes: int, seed: int = 0
) -> Dict[str, list]:
    """A batch as the data loader hands it to ``train_step``: uint8 images and data samples."""
    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (3, *shape), generator=g, dtype=torch.uint8) for _ in range(n)]
    if task == 'cls':
        from mmpretrain.structures import DataSample

        labels = torch.randint(0, num_classes, (n,), generator=g)
        return dict(inputs=inputs, data_samples=[DataSample().set_gt_label(int(i)) for i in labels])
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    samples = []
    for _ in range(n):
        sample = SegDataSample()
        if task == 'seg':
            label = torch.randint(0, num_classes, (1, *shape), generator=g)
            label[torch.rand(1, *shape, generator=g) < 0.1] = IGNORE_INDEX
            sample.gt_sem_seg = PixelData(data=label)
        else:  # NYU depth in metres, within the heads' max_depth of 10
            sample.gt_depth_map = PixelData(data=0.5 + 9.5 * torch.rand(1, *shape, generator=g))
        sample.set_metainfo(
            dict(img_shape=shape, ori_shape=shape, pad_shape=shape, padding_size=[0, 0, 0, 0])
        )
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def num_classes_of(model: torch.nn.Module) -> int:
    for head in ('decode_head', 'head'):
        count = getattr(getattr(model.student, head, None), 'num_classes', None)
        if isinstance(count, int):
            return count
    return 1


# --------------------------------------------------------------------------------- measuring
class TeacherClock:
    """Times ``Distiller.teacher_forward`` of ``distiller``: CUDA events on the GPU (the forward
    is asynchronous; read after the step's synchronize), perf_counter on the CPU."""

    def __init__(self, distiller: torch.nn.Module, cuda: bool) -> None:
        self.cuda = cuda
        self.spans: List[Any] = []
        original = distiller.teacher_forward

        def timed(*args, **kwargs):
            if self.cuda:
                start = torch.cuda.Event(enable_timing=True)
                end = torch.cuda.Event(enable_timing=True)
                start.record()
                original(*args, **kwargs)
                end.record()
                self.spans.append((start, end))
            else:
                start = time.perf_counter()
                original(*args, **kwargs)
                self.spans.append(time.perf_counter() - start)

        distiller.teacher_forward = timed  # the instance attribute shadows the method

    def take_seconds(self) -> float:
        """Teacher time since the last call (the step must have been synchronised)."""
        if self.cuda:
            total = sum(start.elapsed_time(end) for start, end in self.spans) / 1e3
        else:
            total = sum(self.spans)
        self.spans.clear()
        return total


def all_losses_finite(logs: Dict[str, torch.Tensor]) -> bool:
    return all(bool(torch.isfinite(v).all()) for k, v in logs.items() if 'loss' in k)


def measure(model, optim, batch: dict, plan: Plan, device: torch.device) -> Dict[str, Any]:
    """Warm-up and timed iterations of ``model.train_step``: it/s, peak memory, loss finite,
    teacher share. The batch is copied before each step (the preprocessor may change samples)
    outside the timed part."""
    cuda = device.type == 'cuda'
    distiller = model.module if isinstance(model, MMDistributedDataParallel) else model
    clock = TeacherClock(distiller, cuda)

    def step() -> Dict[str, torch.Tensor]:
        return model.train_step(copy.deepcopy(batch), optim)

    finite, losses = True, []
    step_seconds = teacher_seconds = 0.0
    for i in range(plan.warmup + plan.iters):
        if i == plan.warmup and cuda:
            torch.cuda.reset_peak_memory_stats(device)
        data = copy.deepcopy(batch)
        if cuda:
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        logs = model.train_step(data, optim)
        if cuda:
            torch.cuda.synchronize(device)
        seconds = time.perf_counter() - start
        teacher = clock.take_seconds()
        finite = finite and all_losses_finite(logs)
        losses.append(float(logs['loss']))
        if i >= plan.warmup:
            step_seconds += seconds
            teacher_seconds += teacher
    if cuda:
        peak = torch.cuda.max_memory_allocated(device)
    else:
        peak = persistent_bytes(distiller, optim) + cpu_iteration_peak(step)
    return dict(
        its=plan.iters / step_seconds,
        peak_bytes=peak,
        loss_finite=finite,
        teacher_share=teacher_seconds / step_seconds,
        losses=losses,
    )


def free_cuda_memory() -> None:
    """Give the next row the whole GPU (the distiller and its timing wrapper form a cycle)."""
    if torch.cuda.is_available():
        gc.collect()
        torch.cuda.empty_cache()


# --------------------------------------------------------------------------------------- rows
def single_process(name: str, base: Config, task: str, plan: Plan, amp: bool) -> Row:
    row = Row(name, RUNS[plan.device]['amp' if amp else 'single'])
    if amp and plan.device == 'cpu':
        row.status = 'skipped (AMP: AmpOptimWrapper needs a GPU)'
        return row
    try:
        cfg = run_config(base, task, plan.shapes[task], amp)
        device = torch.device(plan.device)
        torch.backends.cudnn.benchmark = bool(cfg.get('env_cfg', {}).get('cudnn_benchmark'))
        model, optim = build(cfg, device)
        n = plan.batch_size or cfg.train_dataloader.batch_size
        row.batch = f'{n}x3x{plan.shapes[task][0]}x{plan.shapes[task][1]}'
        batch = synthetic_batch(task, n, plan.shapes[task], num_classes_of(model))
        row = replace(row, **measure(model, optim, batch, plan, device))
    except Exception as err:  # reported as the row's status, with the traceback on stderr
        traceback.print_exc()
        row.status = f'error: {type(err).__name__}: {str(err).splitlines()[0][:100]}'
    return row


def two_processes(name: str, path: str, plan: Plan) -> Row:
    on_cpu = plan.device == 'cpu'
    row = Row(name, RUN_DDP_CPU if on_cpu and plan.cpu_ddp else RUNS[plan.device]['ddp'])
    gpus = 0 if on_cpu else torch.cuda.device_count()
    if not plan.ddp:
        row.status = 'skipped (--no-ddp)'
    elif on_cpu and not plan.cpu_ddp:
        row.status = 'skipped (no GPU; --cpu-ddp: gloo, BN)'
    elif not on_cpu and gpus < 2:
        row.status = f'skipped ({gpus} GPU)'
    if row.status != 'ok':
        return row
    with tempfile.TemporaryDirectory() as tmp:
        out = osp.join(tmp, 'rank0.json')
        with socket.socket() as sock:  # a free port for the rendezvous
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
        try:
            torch.multiprocessing.spawn(ddp_worker, args=(2, path, plan, out), nprocs=2)
            with open(out) as f:
                row = replace(row, **json.load(f))
        except Exception as err:
            traceback.print_exc()
            row.status = f'error: {type(err).__name__}: {str(err).splitlines()[0][:100]}'
    return row


def ddp_worker(rank: int, world_size: int, path: str, plan: Plan, out: str) -> None:
    """One of the two processes (NCCL, one GPU each; gloo on the CPU); rank 0 writes its
    measurement, with the worst peak memory and loss finiteness over both ranks."""
    import torch.distributed as dist

    MMLogger.get_instance('gpu_check', log_level='ERROR')
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size))
    cuda = plan.device == 'cuda'
    if cuda:
        torch.cuda.set_device(rank)
    dist.init_process_group('nccl' if cuda else 'gloo', rank=rank, world_size=world_size)
    try:
        base = Config.fromfile(path)
        task = task_of(base)
        cfg = run_config(base, task, plan.shapes[task], amp=False)
        torch.backends.cudnn.benchmark = bool(cfg.get('env_cfg', {}).get('cudnn_benchmark'))
        device = torch.device('cuda', rank) if cuda else torch.device('cpu')
        model, optim = build(cfg, device, distributed=True)
        n = plan.batch_size or cfg.train_dataloader.batch_size
        batch = synthetic_batch(task, n, plan.shapes[task], num_classes_of(model.module), rank)
        result = measure(model, optim, batch, plan, device)
        worst = torch.tensor(
            [float(result['peak_bytes']), float(not result['loss_finite'])], device=device
        )
        dist.all_reduce(worst, op=dist.ReduceOp.MAX)
        result.update(peak_bytes=int(worst[0]), loss_finite=not bool(worst[1]))
        result['batch'] = f'{n}x3x{plan.shapes[task][0]}x{plan.shapes[task][1]}'
        if rank == 0:
            with open(out, 'w') as f:
                json.dump(result, f)
    finally:
        dist.destroy_process_group()


# ------------------------------------------------------------------------------------ output
def fmt(value: Optional[float], spec: str) -> str:
    return 'n/a' if value is None else format(value, spec)


def table(rows: List[Row], plan: Plan) -> PrettyTable:
    out = PrettyTable(
        ['config', 'run', 'batch', 'it/s', 'peak MiB', 'loss finite', 'teacher share', 'status'],
        align='r',
    )
    for column in ('config', 'run', 'batch', 'status'):
        out.align[column] = 'l'
    for r in rows:
        finite = 'n/a' if r.loss_finite is None else ('yes' if r.loss_finite else 'NO')
        out.add_row(
            [
                r.config,
                r.run,
                r.batch,
                fmt(r.its, '.2f'),
                fmt(None if r.peak_bytes is None else r.peak_bytes / 2**20, '.0f'),
                finite,
                'n/a' if r.teacher_share is None else f'{100 * r.teacher_share:.0f}%',
                r.status,
            ]
        )
    return out


def environment(plan: Plan) -> Dict[str, Any]:
    env: Dict[str, Any] = dict(
        torch=torch.__version__,
        device=plan.device,
        smoke=plan.smoke,
        threads=torch.get_num_threads(),
    )
    if plan.device == 'cuda':
        env.update(
            gpu=torch.cuda.get_device_name(0),
            gpus=torch.cuda.device_count(),
            cuda=torch.version.cuda,
            cudnn=torch.backends.cudnn.version(),
        )
    return env


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    plan = make_plan(args)
    MMLogger.get_instance('gpu_check', log_level='ERROR')  # no per-parameter optimizer logs
    if plan.device == 'cpu' and args.amp == 'on':
        print('gpu_check: --amp on needs a GPU (AmpOptimWrapper); the AMP rows are skipped.')
    paths = {
        osp.splitext(osp.basename(n))[0] if osp.isfile(n) else n: config_path(n)
        for n in args.configs
    }
    rows: List[Row] = []
    for name, path in paths.items():
        base = Config.fromfile(path)  # slow (MMEngine reads every metafile of mmseg::/mmpretrain::)
        task = task_of(base)
        for amp in {'both': (False, True), 'on': (True,), 'off': (False,)}[plan.amp]:
            rows.append(single_process(name, base, task, plan, amp))
            free_cuda_memory()
            print(f'{name} {rows[-1].run}: {rows[-1].status}', flush=True)
        rows.append(two_processes(name, path, plan))
    env = environment(plan)
    where = env.get('gpu', 'CPU (reduced mode: small inputs, batch 2)')
    print(
        f'\ngpu_check on {where}, torch {env["torch"]}: {plan.warmup} warm-up + {plan.iters} '
        'timed iterations, synthetic data, random teachers'
    )
    print(table(rows, plan))
    memory = (
        'torch.cuda.max_memory_allocated over the timed iterations'
        if plan.device == 'cuda'
        else 'parameters, buffers, gradients, optimizer state + peak of torch CPU allocations '
        'in one step (not RSS)'
    )
    print(f'peak MiB: {memory}; teacher share: Distiller.teacher_forward / step time')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(
                dict(environment=env, plan=asdict(plan), rows=[asdict(r) for r in rows]),
                f,
                indent=1,
            )
    return 1 if any(r.failed for r in rows) else 0


if __name__ == '__main__':
    sys.exit(main())
