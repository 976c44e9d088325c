"""Evaluate a checkpoint: the OpenMMLab `tools/test.py`, which also understands distillers.

For a distillation config it evaluates the student as the plain upstream model (the same
student-only checkpoint `tools/export_student.py` writes), so the number is exactly what
mmseg's / mmpretrain's own test tools report for the exported student.

    python tools/test.py CONFIG CHECKPOINT [--metrics-out metrics.json]
    python tools/test.py DISTILL_CONFIG --teacher          # the teacher, from teacher_ckpt
    python tools/test.py CONFIG CHECKPOINT --show-dir vis/ --out preds/   # pictures, raw output
"""

import argparse
import json
import os
import os.path as osp
import sys
import warnings

from mmengine.config import Config
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout
# mmengine 0.10.7 resolves `mmseg::` config paths through the deprecated pkg_resources
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
import mmkd  # noqa: E402,F401
from mmkd.apis import export_student, is_distiller_config  # noqa: E402
from mmkd.apis.checkpoint_fit import check_runner_checkpoint  # noqa: E402
from mmkd.apis.cli import add_runner_args, load_config, run_cli  # noqa: E402
from mmkd.apis.preflight import add_data_check_hook, preflight  # noqa: E402
from mmkd.engine import setup_cpu_distributed  # noqa: E402
from mmkd.models.build import resolve_model_cfg  # noqa: E402
from mmkd.utils import ConfigError  # noqa: E402
from mmkd.visualization import configure_test_outputs  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Evaluate a model, a distilled student or a distiller's teacher"
    )
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help='not needed with --teacher')
    parser.add_argument(
        '--teacher',
        nargs='?',
        const='',
        default=None,
        metavar='NAME',
        help='evaluate the teacher of a distillation config (its teacher_ckpt);'
        ' with several teachers, the one named NAME',
    )
    parser.add_argument('--metrics-out', help='write the metrics as JSON to this file')
    parser.add_argument(
        '--show-dir',
        help='draw every test image with its prediction into this '
        'folder (segmentation: mmseg overlays; depth: depth maps with a colour '
        'bar; classification: class and score)',
    )
    parser.add_argument(
        '--out',
        help='raw predictions: a folder of PNG label / depth maps '
        '(segmentation, depth, as mmseg writes them) or a JSON file '
        '(classification)',
    )
    add_runner_args(parser)
    return parser.parse_args()


def _teacher(cfg: Config, name: str):
    """(checkpoint, model config) of the distiller's teacher, or of ``teachers[name]``."""
    teachers = cfg.model.get('teachers')
    if not teachers:
        if name:
            raise ConfigError(
                f'--teacher {name}: this config has one teacher; give --teacher alone.'
            )
        return cfg.model.teacher_ckpt, resolve_model_cfg(cfg.model.teacher)
    if name not in teachers:
        raise ConfigError(
            f'--teacher {name!r}: name one of the teachers: '
            f'{", ".join(teachers)} (e.g. --teacher {next(iter(teachers))}).'
        )
    return teachers[name].get('ckpt'), resolve_model_cfg(teachers[name]['model'])


def build_cfg(args: argparse.Namespace) -> Config:
    cfg = load_config(args)
    preflight(cfg, ('test',))  # work dir writable, test set present and not empty
    if is_distiller_config(cfg):
        if args.teacher is not None:
            checkpoint, model = _teacher(cfg, args.teacher)
            model['data_preprocessor'] = cfg.model.get('data_preprocessor') or resolve_model_cfg(
                cfg.model.student
            ).get('data_preprocessor')
            cfg.custom_hooks = []
            cfg.model = model
        else:
            if not args.checkpoint:
                raise ConfigError('give the distiller checkpoint to evaluate (or --teacher).')
            checkpoint = osp.join(cfg.work_dir, 'test_student', 'student.pth')
            work_dir = cfg.work_dir
            cfg = Config.fromfile(export_student(cfg, args.checkpoint, checkpoint))
            cfg.launcher, cfg.work_dir = args.launcher, work_dir
    else:
        if args.teacher is not None:
            raise ConfigError('--teacher needs a distillation config.')
        checkpoint = args.checkpoint
    cfg.load_from = checkpoint
    cfg.pop('resume', None)
    configure_test_outputs(cfg, args.show_dir, args.out)
    add_data_check_hook(cfg)  # data faults name their file
    setup_cpu_distributed(cfg, args.launcher)
    return cfg


def _as_number(value):
    """Metrics come as Python or numpy numbers (or, rarely, text)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def main() -> int:
    args = parse_args()
    runner = Runner.from_cfg(build_cfg(args))
    check_runner_checkpoint(runner, testing=True)  # MMEngine would load it non-strictly
    metrics = runner.test()
    if args.metrics_out:
        os.makedirs(osp.dirname(osp.abspath(args.metrics_out)), exist_ok=True)
        with open(args.metrics_out, 'w') as f:
            json.dump({k: _as_number(v) for k, v in metrics.items()}, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
