"""The main job, end to end on this machine: `make demo`.

Generates the embedded street-scene data (Cityscapes layout), trains a segmentation teacher,
trains the student alone, distils the student from the teacher with each method, evaluates
every model with `tools/test.py` on the validation split (last checkpoint, not best), exports
the distilled students as plain mmseg checkpoints, and prints one table.

Every step is an ordinary command, printed before it runs, so any row can be reproduced by
hand. Finished runs are reused (their last checkpoint exists); `--fresh` retrains everything.
"""
import argparse
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from typing import List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

from mmkd.datasets.embedded import generate_cityscapes  # noqa: E402

TEACHER_CFG = 'configs/models/seg_pspnet-r18w32_demo-600it_embedded-cityscapes.py'
STUDENT_CFG = 'configs/models/seg_pspnet-r18w8_demo-600it_embedded-cityscapes.py'


@dataclass
class Run:
    """One row of the table: a config trained into a work dir."""
    label: str
    config: str
    name: str
    distills: bool = False


RUNS = [
    Run('teacher (PSPNet-R18, 32 base channels)', TEACHER_CFG, 'seg_teacher'),
    Run('student alone (PSPNet-R18, 8 base channels)', STUDENT_CFG, 'seg_student'),
    Run('student + KD (pixel-wise KL)', 'configs/kd/seg_kd_demo.py', 'seg_kd', distills=True),
]
SDKD_CFG = 'configs/sdkd/seg_sdkd_demo.py'
if osp.exists(osp.join(ROOT, SDKD_CFG)):
    RUNS.append(Run('student + SDKD (proxy teacher + FFB)', SDKD_CFG, 'seg_sdkd', distills=True))


def run(cmd: List[str]) -> None:
    print('$ ' + ' '.join(shlex.quote(c) for c in cmd), flush=True)
    start = time.time()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=dict(os.environ, PYTHONPATH=ROOT))
    if proc.returncode != 0:
        print(proc.stdout[-6000:])
        raise SystemExit(f'demo step failed (exit {proc.returncode}): {" ".join(cmd)}')
    print(f'  done in {time.time() - start:.0f} s', flush=True)


def last_checkpoint(work_dir: str) -> Optional[str]:
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(marker):
        return None
    path = open(marker).read().strip()
    return path if osp.exists(path) else None


def num_params(config: str, distills: bool) -> float:
    """Student parameters in millions (what is deployed)."""
    warnings.filterwarnings('ignore')  # upstream deprecation chatter while building models
    from mmengine.config import Config
    from mmengine.registry import MODELS, DefaultScope

    import mmkd  # noqa: F401
    from mmkd.models.build import resolve_model_cfg
    cfg = Config.fromfile(osp.join(ROOT, config))
    model_cfg = resolve_model_cfg(cfg.model.student) if distills else cfg.model
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(model_cfg)
    return sum(p.numel() for p in model.parameters()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data', default='data/demo')
    parser.add_argument('--fresh', action='store_true', help='retrain every model')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    os.chdir(ROOT)
    py = sys.executable
    start = time.time()

    print('== 1. data: embedded street scenes in the Cityscapes layout', flush=True)
    print(generate_cityscapes(osp.join(args.data, 'cityscapes')), flush=True)
    data_opts = [f'{s}_dataloader.dataset.data_root={args.data}/cityscapes'
                 for s in ('train', 'val', 'test')] + [f'randomness.seed={args.seed}']

    rows = []
    teacher_ckpt = None
    for step, r in enumerate(RUNS, start=2):
        work_dir = osp.join(args.work_dir, r.name)
        print(f'\n== {step}. {r.label}', flush=True)
        opts = list(data_opts)
        if r.distills:
            opts.append(f'model.teacher_ckpt={teacher_ckpt}')
        ckpt = None if args.fresh else last_checkpoint(work_dir)
        if ckpt:
            print(f'  reusing {ckpt} (use --fresh to retrain)')
        else:
            run([py, 'tools/train.py', r.config, '--work-dir', work_dir, '--cfg-options', *opts])
            ckpt = last_checkpoint(work_dir)
        metrics_file = osp.join(work_dir, 'metrics_last.json')
        run([py, 'tools/test.py', r.config, ckpt, '--work-dir', osp.join(work_dir, 'test'),
             '--metrics-out', metrics_file, '--cfg-options', *opts])
        metrics = json.load(open(metrics_file))
        exported = ''
        if r.distills:
            exported = osp.join(work_dir, 'student_exported.pth')
            run([py, 'tools/export_student.py', r.config, ckpt, exported])
        else:
            teacher_ckpt = teacher_ckpt or ckpt
        rows.append((r.label, num_params(r.config, r.distills), metrics, ckpt, exported))

    print(f'\n== mmkd demo: semantic segmentation on the embedded street scenes '
          f'(val split, last checkpoint, seed {args.seed}; {time.time() - start:.0f} s in all)')
    baseline = rows[1][2]['mIoU']
    print(f'| {"model":44} | params | mIoU  | aAcc  | vs alone |')
    print(f'|{"-" * 46}|--------|-------|-------|----------|')
    for label, params, metrics, _, _ in rows:
        gain = metrics['mIoU'] - baseline
        print(f'| {label:44} | {params:5.2f}M | {metrics["mIoU"]:5.2f} | {metrics["aAcc"]:5.2f} | '
              f'{gain:+8.2f} |')
    print('\ncheckpoints:')
    for label, _, _, ckpt, exported in rows:
        print(f'  {label}: {ckpt}')
        if exported:
            print(f'    exported student (plain mmseg): {exported} '
                  f'(+ {exported[:-4]}_config.py)')


if __name__ == '__main__':
    main()
