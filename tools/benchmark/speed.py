"""Speed of a distiller against what it cannot beat: the student alone and the lower bound.

    python tools/benchmark/speed.py configs/kd/seg_kd_demo.py configs/cwd/seg_cwd_demo.py
    python tools/benchmark/speed.py CONFIG --batch-size 2 --shape 128 128 --rounds 5 --out s.json

Per config, on the same models (the config's student and teacher, random weights: the cost
does not depend on them) and the same synthetic batch of its task, the median time of one
training iteration and its peak memory for:

* ``student``: the student alone, ``student.train_step`` with the config's optimizer;
* ``lower_bound``: raw PyTorch: the teacher's whole tensor-mode forward under ``no_grad``, then
  the student's loss, backward and optimizer step: a distiller cannot do less (it can stop the
  teacher early, after its last tap);
* ``distiller``: the distiller's ``train_step``, the teacher run live;
* ``distiller_cached``: the same distiller reading its teacher taps from an exact-mode
  teacher-output cache filled by one live step on the batch (every timed step a hit);
* ``distiller_cached_released``: the same from the same cache with
  ``teacher_cache.release_teacher=True``: the teachers' weights freed (their memory gone);
* more rows from :data:`ROWS` (each a function of the built :class:`Setup` giving a step, or
  None to skip);
* ``mmrazor``: ``--mmrazor-config`` (an MMRazor config of the same pair) when MMRazor is
  installed (``importlib.util.find_spec('mmrazor')``), otherwise the row is left out and said so.

Times and memory are measured as ``bench_iteration.py`` does (wall and process CPU time, rounds
of iterations interleaved across the rows, medians; CPU memory: persistent tensors + the
profiler's allocation peak of one step). FLOPs: torch's FLOP formulas (``FlopCounterMode``'s)
over one whole step (forward and backward; convolutions and matrix products, not element-wise
work): the cost where those dominate (a GPU at paper scale); ``--flops-only`` counts them without
timing (paper-scale configs on a CPU). Ratios to the lower bound and to the student are printed
(prettytable) and written with every measured time to ``--out`` (JSON); with several configs, a
last table compares each config's distiller/lower-bound ratio with the first config's (e.g. SDKD
against KD on the same pair).
"""

import argparse
import copy
import importlib.util
import json
import os.path as osp
import statistics
import sys
import tempfile
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
from prettytable import PrettyTable
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, osp.dirname(osp.dirname(HERE)))
sys.path.insert(0, HERE)
warnings.filterwarnings('ignore')
from bench_iteration import (  # noqa: E402
    interleaved_times,
    peak_memory,
    persistent_bytes,
    train_step,
)
from gpu_check import build, num_classes_of, run_config, synthetic_batch, task_of  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402

Step = Callable[[], object]
BASES = ('lower_bound', 'student')  # the rows every ratio is taken against
DEFAULT_SHAPES = dict(seg=(128, 128), depth=(128, 128), cls=(32, 32))


@dataclass
class Setup:
    """One config's built models and data, shared by every row."""

    cfg: Config
    task: str
    distiller: torch.nn.Module  # train mode, SDKD at k=1
    optim: Any  # the distiller's optimizer wrapper
    batch: Dict[str, list]
    device: str


def student_alone(setup: Setup) -> Tuple[Step, torch.nn.Module, Any]:
    student = copy.deepcopy(setup.distiller.student)
    with DefaultScope.overwrite_default_scope(setup.cfg.get('default_scope', 'mmseg')):
        optim = build_optim_wrapper(student, setup.cfg.optim_wrapper)
    return train_step(student, optim, setup.batch, setup.device), student, optim


def lower_bound(setup: Setup) -> Tuple[Step, torch.nn.Module, Any]:
    """Raw PyTorch: every teacher's whole tensor-mode forward under no_grad + the student's
    loss, backward and optimizer step."""
    student = copy.deepcopy(setup.distiller.student)
    teachers = list(setup.distiller.teachers.values())
    with DefaultScope.overwrite_default_scope(setup.cfg.get('default_scope', 'mmseg')):
        optim = build_optim_wrapper(student, setup.cfg.optim_wrapper)
    optimizer = optim.optimizer

    def step() -> None:
        data = student.data_preprocessor(copy.deepcopy(setup.batch), True)
        with torch.no_grad():
            for teacher in teachers:
                teacher(data['inputs'], mode='tensor')
        losses = student(data['inputs'], data['data_samples'], mode='loss')
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if setup.device.startswith('cuda'):
            torch.cuda.synchronize()

    return step, torch.nn.ModuleList([student, *teachers]), optim


def distiller_live(setup: Setup) -> Tuple[Step, torch.nn.Module, Any]:
    return (
        train_step(setup.distiller, setup.optim, setup.batch, setup.device),
        setup.distiller,
        setup.optim,
    )


_CACHE_DIRS: List[tempfile.TemporaryDirectory] = []  # removed when the process ends


def distiller_cached(setup: Setup) -> Optional[Tuple[Step, torch.nn.Module, Any]]:
    """The same distiller reading every teacher tap from an exact-mode teacher-output cache
    (docs/teacher_cache.md) that one live step on this batch has filled: every timed step is a
    hit, the teacher does not run. Its weights stay loaded (a miss would need them), so they
    count in the memory. None for a model without ``teacher_cache`` (e.g. AID's adapter)."""
    if not hasattr(setup.distiller, 'teacher_cache'):
        return None
    cfg = _cache_config(setup)
    distiller, optim = build(cfg, torch.device(setup.device))
    step = train_step(distiller, optim, setup.batch, setup.device)
    step()  # a miss: the teacher runs live and writes this batch
    distiller.teacher_cache.writable = False  # no more writes; a miss would warn (none: same batch)
    return step, distiller, optim


def distiller_cached_released(setup: Setup) -> Optional[Tuple[Step, torch.nn.Module, Any]]:
    """As ``distiller_cached``, built with ``teacher_cache.release_teacher=True`` on a cache that
    another distiller (same seed: the same teacher weights) has filled with one live step on
    this batch: the teachers' weights are freed once the cache has fingerprinted them, so the
    memory is the student's and the method's own modules. None for a model without
    ``teacher_cache`` or one whose step never reads the teacher's outputs (DSKD with label
    guidance: nothing cached to release the teacher for)."""
    if not hasattr(setup.distiller, 'teacher_cache'):
        return None
    cfg = _cache_config(setup)
    writer, optim = build(cfg, torch.device(setup.device))
    train_step(writer, optim, setup.batch, setup.device)()
    if len(writer.teacher_cache) == 0:
        return None
    del writer, optim
    cfg.model.teacher_cache.update(writable=False, release_teacher=True)
    distiller, optim = build(cfg, torch.device(setup.device))
    return train_step(distiller, optim, setup.batch, setup.device), distiller, optim


def _cache_config(setup: Setup) -> Config:
    """The config with an exact-mode teacher cache in a new temporary directory."""
    _CACHE_DIRS.append(tempfile.TemporaryDirectory(prefix='mmkd_speed_cache_'))
    cfg = copy.deepcopy(setup.cfg)
    cfg.model.teacher_cache = dict(dir=_CACHE_DIRS[-1].name, mode='exact', pipeline=[])
    return cfg


#: row name -> (Setup -> (step, model, optimizer wrapper) or None to leave the row out); the
#: model and optimizer give the persistent tensors of the CPU memory. Add rows here.
ROWS: Dict[str, Callable[[Setup], Optional[Tuple[Step, torch.nn.Module, Any]]]] = dict(
    student=student_alone,
    lower_bound=lower_bound,
    distiller=distiller_live,
    distiller_cached=distiller_cached,
    distiller_cached_released=distiller_cached_released,
)


def mmrazor_row(path: str, setup: Setup) -> Tuple[Step, torch.nn.Module, Any]:
    """An MMRazor config's model (teacher checkpoint dropped) on the same batch."""
    from mmrazor.registry import MODELS as RAZOR_MODELS

    cfg = Config.fromfile(path)
    if 'teacher_ckpt' in cfg.model:
        cfg.model.teacher_ckpt = None
    with DefaultScope.overwrite_default_scope('mmrazor'):
        model = RAZOR_MODELS.build(cfg.model).to(setup.device)
        model.train()
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
    return train_step(model, optim, setup.batch, setup.device), model, optim


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='distiller configs')
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        default=None,
        help='input H W (default: seg/depth 128 128, cls 32 32)',
    )
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--iters', type=int, default=3, help='timed iterations per round')
    parser.add_argument('--rounds', type=int, default=5, help='rounds, interleaved across rows')
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--mmrazor-config', default=None, help='MMRazor config of the same pair')
    parser.add_argument(
        '--rows', nargs='+', default=None, help=f'rows to measure (default: all of {list(ROWS)})'
    )
    parser.add_argument(
        '--flops-only', action='store_true', help='count FLOPs per step, no timing or memory'
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        default={},
        help='override settings of every config, e.g. model.proxy_pass=full',
    )
    parser.add_argument('--out', default=None, help='JSON file for every time and ratio')
    args = parser.parse_args(argv)
    unknown = sorted(set(args.rows or ()) - set(ROWS) - set(BASES))
    if unknown:
        parser.error(f'unknown rows {unknown}; known: {list(ROWS)}')
    return args


def make_setup(path: str, args: argparse.Namespace) -> Setup:
    """A config's distiller (random weights) and one synthetic batch of its task."""
    base = Config.fromfile(path)
    base.merge_from_dict(args.cfg_options)
    task = task_of(base)
    shape = tuple(args.shape or DEFAULT_SHAPES[task])
    cfg = run_config(base, task, shape, amp=False)
    distiller, optim = build(cfg, torch.device(args.device))
    batch = synthetic_batch(task, args.batch_size, shape, num_classes_of(distiller))
    return Setup(cfg, task, distiller, optim, batch, args.device)


class StepFlops(TorchDispatchMode):
    """Sums torch's FLOP formulas (``torch.utils.flop_counter.flop_registry``, FlopCounterMode's)
    over every operator a step dispatches. FlopCounterMode itself is not used: its module tracker
    hooks the backward and breaks an ``autograd.grad`` inside the step (DSKD's guidance)."""

    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.total += formula(*args, **kwargs, out_val=out)
        return out


def step_flops(step: Step) -> int:
    """FLOPs of one call of ``step`` (forward and backward)."""
    with StepFlops() as counter:
        step()
    return counter.total


def measure_config(path: str, args: argparse.Namespace) -> Dict[str, Any]:
    setup = make_setup(path, args)
    task, shape = setup.task, tuple(setup.batch['inputs'][0].shape[-2:])
    wanted = [name for name in ROWS if name in BASES or args.rows is None or name in args.rows]
    built = {name: ROWS[name](setup) for name in wanted}
    skipped = {name: 'its row builder gave no step' for name, row in built.items() if row is None}
    if args.mmrazor_config:
        if importlib.util.find_spec('mmrazor') is None:
            skipped['mmrazor'] = 'MMRazor is not installed'
        else:
            built['mmrazor'] = mmrazor_row(args.mmrazor_config, setup)
    built = {name: row for name, row in built.items() if row is not None}
    rows: Dict[str, Dict[str, Any]] = {name: {} for name in built}
    if not args.flops_only:
        times = interleaved_times(
            {name: row[0] for name, row in built.items()}, args.warmup, args.iters, args.rounds
        )
        for name, (step, model, row_optim) in built.items():
            rows[name] = dict(
                wall_s=statistics.median(times[name]['wall']),
                cpu_s=statistics.median(times[name]['cpu']),
                peak_bytes=peak_memory(step, persistent_bytes(model, row_optim), args.device),
                times=times[name],
            )
    for name, (step, _, _) in built.items():
        rows[name]['flops'] = step_flops(step)
    return dict(
        task=task,
        batch=[args.batch_size, 3, *shape],
        rows=rows,
        ratios=ratios(rows),
        skipped=skipped,
    )


MEASURES = dict(wall='wall_s', cpu='cpu_s', memory='peak_bytes', flops='flops')


def ratios(rows: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, float]]:
    """``{'<row>/<base>': {'wall': .., 'cpu': .., 'memory': .., 'flops': ..}}`` for every row
    and base (the measures the rows have)."""
    return {
        f'{name}/{base}': {
            k: row[key] / rows[base][key] for k, key in MEASURES.items() if key in row
        }
        for base in BASES
        for name, row in rows.items()
    }


def _fmt(value: Optional[float], spec: str) -> str:
    return '-' if value is None else format(value, spec)


# table columns: (header, the row's value or None); a column nobody measured is left out
COLUMNS: List[Tuple[str, Callable[[Dict[str, Any], Dict[str, Any], Dict[str, Any]], Any]]] = [
    ('wall ms', lambda row, lower, alone: row.get('wall_s') and row['wall_s'] * 1e3),
    ('cpu ms', lambda row, lower, alone: row.get('cpu_s') and row['cpu_s'] * 1e3),
    ('peak MiB', lambda row, lower, alone: row.get('peak_bytes') and row['peak_bytes'] / 2**20),
    ('GFLOP', lambda row, lower, alone: row['flops'] / 1e9),
    ('wall/lower', lambda row, lower, alone: lower.get('wall')),
    ('cpu/lower', lambda row, lower, alone: lower.get('cpu')),
    ('flops/lower', lambda row, lower, alone: lower.get('flops')),
    ('wall/student', lambda row, lower, alone: alone.get('wall')),
    ('cpu/student', lambda row, lower, alone: alone.get('cpu')),
    ('mem/student', lambda row, lower, alone: alone.get('memory')),
    ('flops/student', lambda row, lower, alone: alone.get('flops')),
]


def table(path: str, result: Dict[str, Any]) -> PrettyTable:
    cells = {
        name: [
            get(row, result['ratios'][f'{name}/lower_bound'], result['ratios'][f'{name}/student'])
            for _, get in COLUMNS
        ]
        for name, row in result['rows'].items()
    }
    shown = [i for i in range(len(COLUMNS)) if any(v[i] is not None for v in cells.values())]
    out = PrettyTable(['row', *(COLUMNS[i][0] for i in shown)], align='r')
    out.align['row'] = 'l'
    out.title = f'{osp.basename(path)}: batch {"x".join(map(str, result["batch"]))}'
    for name, values in cells.items():
        spec = {'GFLOP': '.3f', 'wall ms': '.1f', 'cpu ms': '.1f', 'peak MiB': '.1f'}
        out.add_row([name, *(_fmt(values[i], spec.get(COLUMNS[i][0], '.2f')) for i in shown)])
    return out


def against_first(report: Dict[str, Any]) -> Dict[str, Dict[str, float]]:
    """Each config's ``distiller/lower_bound`` ratio over the first config's (e.g. SDKD / KD on
    one pair, whose lower bounds are the same models). Each ratio is taken within its own
    interleaved rounds, so a change of the machine's speed between configs cancels out."""
    results = list(report['configs'].values())
    first = results[0]['ratios']['distiller/lower_bound']
    return {
        path: {k: r['ratios']['distiller/lower_bound'][k] / first[k] for k in first}
        for path, r in report['configs'].items()
    }


def comparison_table(report: Dict[str, Any]) -> PrettyTable:
    first = next(iter(report['configs']))
    shown = [k for k in MEASURES if k in next(iter(report['against_first'].values()))]
    out = PrettyTable(['config', *shown], align='r')
    out.align['config'] = 'l'
    out.title = f"distiller / lower bound, over {osp.basename(first)}'s"
    for path, ratio in report['against_first'].items():
        out.add_row([osp.basename(path), *(f'{ratio[k]:.2f}' for k in shown)])
    return out


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    MMLogger.get_instance('speed', log_level='ERROR')
    if args.threads:
        torch.set_num_threads(args.threads)
    report = dict(
        environment=dict(
            torch=torch.__version__,
            device=args.device,
            threads=torch.get_num_threads(),
            warmup=args.warmup,
            iters=args.iters,
            rounds=args.rounds,
            flops_only=args.flops_only,
            cfg_options=args.cfg_options,
        ),
        configs={},
    )
    for path in args.configs:
        result = measure_config(path, args)
        report['configs'][path] = result
        print(table(path, result))
        for name, why in result['skipped'].items():
            print(f'{name}: skipped ({why})')
    if len(args.configs) > 1 and all('distiller' in r['rows'] for r in report['configs'].values()):
        report['against_first'] = against_first(report)
        print(comparison_table(report))
    timing = (
        'FLOPs only'
        if args.flops_only
        else f'median of {args.rounds} interleaved rounds x {args.iters} iterations after '
        f'{args.warmup} warm-up'
    )
    print(f'device={args.device}, threads={torch.get_num_threads()}, {timing}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=1)
    return report


if __name__ == '__main__':
    main()
