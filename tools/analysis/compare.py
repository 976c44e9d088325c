"""The picture for a report: teacher, student alone and distilled student on the same images.

    python tools/analysis/compare.py DISTILL_CONFIG DISTILL_CKPT \\
        [--student-alone STUDENT_CONFIG STUDENT_CKPT] [--images 4] [--out DIR]

Writes to DIR (default ``<work_dir>/compare``):

* segmentation: ``panel_<i>.png`` per image: input, ground truth, teacher, student alone,
  distilled student (mmseg's SegLocalVisualizer overlays) and the change map: where the distilled
  student is right and the student alone wrong (green, fixed) or the opposite (red, broken);
  ``per_class_iou.png``: each class's IoU for the three models over the whole split.
* depth: the depth maps on one colour scale, the absolute-error maps on another, and the error
  change (green: the distilled student is closer); ``depth_range_error.png``: mean absolute error
  per ground-truth depth range.
* classification: ``predictions.png`` (images titled with each model's class and score) and
  ``per_class_accuracy.png``.

Without ``--student-alone`` the panels show the distilled student's errors instead of the change.
The teacher is the config's ``teacher_ckpt`` (``--teacher NAME`` picks one of several).
"""

import argparse
import copy
import os
import os.path as osp
import sys
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config, DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
import mmkd  # noqa: E402,F401
from mmkd.apis import is_distiller_config  # noqa: E402
from mmkd.engine.checkpoint import load_model_weights  # noqa: E402
from mmkd.models.build import resolve_model_cfg  # noqa: E402
from mmkd.utils import ConfigError  # noqa: E402
from mmkd.visualization import BROKEN, FIXED, change_map, depth_range_errors, per_class_iou  # noqa: E402
from mmkd.visualization.compare import BOTH_RIGHT, BOTH_WRONG  # noqa: E402


@dataclass
class Predictions:
    """Everything the pictures need, one entry per image, in dataset order."""

    images: List[np.ndarray] = field(default_factory=list)  # RGB uint8
    gts: List[np.ndarray] = field(default_factory=list)
    models: Dict[str, List[np.ndarray]] = field(default_factory=dict)  # name -> maps / labels
    scores: Dict[str, List[float]] = field(default_factory=dict)  # classification only


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the distillation config')
    parser.add_argument('checkpoint', help='a checkpoint of that distillation run')
    parser.add_argument(
        '--student-alone',
        nargs=2,
        metavar=('CONFIG', 'CKPT'),
        help='the same student trained alone, to show what distillation changed',
    )
    parser.add_argument('--teacher', help='with several teachers: the one to show')
    parser.add_argument('--images', type=int, default=4, help='panels to draw')
    parser.add_argument(
        '--score-images', type=int, help='images for the per-class chart (default: the whole split)'
    )
    parser.add_argument('--split', choices=['val', 'test'], default='val')
    parser.add_argument('--out', help='output folder (default: <work_dir>/compare)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the distillation config (e.g. data_root)',
    )
    return parser.parse_args(argv)


def _models(cfg: Config, args: argparse.Namespace) -> Dict[str, torch.nn.Module]:
    from mmengine.registry import MODELS, DefaultScope

    preprocessor = cfg.model.get('data_preprocessor')
    teachers = cfg.model.get('teachers')
    if teachers:
        name = args.teacher or next(iter(teachers))
        if name not in teachers:
            raise ConfigError(f'--teacher {name!r}: name one of {", ".join(teachers)}.')
        teacher_cfg, teacher_ckpt = (
            resolve_model_cfg(teachers[name]['model']),
            teachers[name]['ckpt'],
        )
    else:
        teacher_cfg, teacher_ckpt = resolve_model_cfg(cfg.model.teacher), cfg.model.teacher_ckpt
    student_cfg = resolve_model_cfg(cfg.model.student)
    for model_cfg in (teacher_cfg, student_cfg):
        if preprocessor is not None:
            model_cfg['data_preprocessor'] = preprocessor
    specs = [('teacher', teacher_cfg, teacher_ckpt, cfg.get('default_scope'))]
    if args.student_alone:
        alone_cfg = Config.fromfile(args.student_alone[0])
        specs.append(
            (
                'student alone',
                alone_cfg.model,
                args.student_alone[1],
                alone_cfg.get('default_scope'),
            )
        )
    specs.append(('distilled', student_cfg, args.checkpoint, cfg.get('default_scope')))
    models = {}
    for name, model_cfg, ckpt, scope in specs:
        with DefaultScope.overwrite_default_scope(scope or 'mmengine'):
            model = MODELS.build(model_cfg)
        load_model_weights(model, ckpt, name)
        models[name] = model.eval()
    return models


def _dataloader(cfg: Config, split: str):
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    loader_cfg = cfg.get(f'{split}_dataloader')
    if not loader_cfg:
        raise ConfigError(f'the config has no {split}_dataloader to draw images from.')
    loader_cfg = dict(loader_cfg, batch_size=1, num_workers=0, persistent_workers=False)
    loader_cfg['sampler'] = dict(type='DefaultSampler', shuffle=False)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope') or 'mmengine'):
        return Runner.build_dataloader(loader_cfg)


def _image(sample, batch_input: torch.Tensor, shape) -> np.ndarray:
    """The input as RGB at the ground truth's size (from its file when there is one)."""
    import mmcv

    path = sample.metainfo.get('img_path')
    image = (
        mmcv.imread(path, channel_order='rgb')
        if path and osp.isfile(path)
        else batch_input.permute(1, 2, 0).numpy().astype(np.uint8)[..., ::-1]
    )
    if shape is not None and image.shape[:2] != tuple(shape):
        image = mmcv.imresize(image, (shape[1], shape[0]))
    return np.ascontiguousarray(image)


def predict(models: Dict[str, torch.nn.Module], loader, count: Optional[int]) -> Predictions:
    out = Predictions(models={name: [] for name in models}, scores={name: [] for name in models})
    with torch.no_grad():
        for index, batch in enumerate(loader):
            if count is not None and index >= count:
                break
            # a copy each: mmpretrain writes its predictions into the batch's data samples
            samples = {
                name: model.test_step(copy.deepcopy(batch))[0] for name, model in models.items()
            }
            first = next(iter(samples.values()))
            if 'gt_sem_seg' in first:
                gt = first.gt_sem_seg.data[0].numpy()
                for name, s in samples.items():
                    out.models[name].append(s.pred_sem_seg.data[0].numpy())
            elif 'gt_depth_map' in first:
                gt = first.gt_depth_map.data[0].numpy()
                for name, s in samples.items():
                    out.models[name].append(s.pred_depth_map.data[0].numpy())
            else:
                gt = int(first.gt_label[0])
                for name, s in samples.items():
                    out.models[name].append(int(s.pred_label[0]))
                    out.scores[name].append(float(s.pred_score.max()))
            out.gts.append(gt)
            out.images.append(
                _image(first, batch['inputs'][0], gt.shape if isinstance(gt, np.ndarray) else None)
            )
    return out


def _legend(ax, entries) -> None:
    from matplotlib.patches import Patch

    ax.legend(
        handles=[Patch(color=np.array(c) / 255, label=label) for label, c in entries],
        loc='lower center',
        bbox_to_anchor=(0.5, -0.32),
        ncol=2,
        fontsize=8,
        frameon=False,
    )


def seg_panels(pred: Predictions, meta: dict, count: int, out: str) -> List[str]:
    import matplotlib.pyplot as plt
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    from mmseg.visualization import SegLocalVisualizer

    vis = SegLocalVisualizer(name=f'mmkd_compare_{os.getpid()}', alpha=0.75)
    vis.set_dataset_meta(classes=meta['classes'], palette=meta['palette'])

    def overlay(image, label_map):
        sample = SegDataSample(gt_sem_seg=PixelData(data=torch.from_numpy(label_map[None])))
        vis.add_datasample(
            'compare', image, sample, draw_gt=True, draw_pred=False, with_labels=False
        )
        return vis.get_image()

    paths = []
    names = list(pred.models)
    for i in range(min(count, len(pred.gts))):
        gt, image = pred.gts[i], pred.images[i]
        valid = gt != 255
        tiles = [('input', image), ('ground truth', overlay(image, gt))]
        for name in names:
            right = (
                (pred.models[name][i] == gt)[valid].mean() * 100 if valid.any() else float('nan')
            )
            tiles.append((f'{name} ({right:.1f} % px right)', overlay(image, pred.models[name][i])))
        if 'student alone' in pred.models:
            changes = change_map(gt, pred.models['student alone'][i], pred.models['distilled'][i])
            tiles.append(('what distillation changed', changes))
            legend = [
                ('fixed (wrong alone, right distilled)', FIXED),
                ('broken (right alone, wrong distilled)', BROKEN),
                ('both right', BOTH_RIGHT),
                ('both wrong', BOTH_WRONG),
            ]
        else:
            wrong = (pred.models['distilled'][i] != gt) & valid
            errors = np.where(
                wrong[..., None], np.array(BROKEN, np.uint8), np.array(BOTH_RIGHT, np.uint8)
            )
            tiles.append(('distilled student errors', errors))
            legend = [('wrong', BROKEN), ('right or ignored', BOTH_RIGHT)]
        fig, axes = plt.subplots(
            2, 3, figsize=(12, 12 * 2 * image.shape[0] / (3 * image.shape[1]) + 1.6)
        )
        for ax, (title, tile) in zip(axes.flat, tiles):
            ax.imshow(tile, interpolation='nearest')
            ax.set_title(title, fontsize=10)
            ax.axis('off')
        _legend(axes.flat[len(tiles) - 1], legend)
        for ax in axes.flat[len(tiles) :]:
            ax.axis('off')
        fig.suptitle(f'image {i}', fontsize=11)
        fig.tight_layout()
        paths.append(osp.join(out, f'panel_{i}.png'))
        fig.savefig(paths[-1], dpi=80)
        plt.close(fig)
    return paths


def seg_chart(pred: Predictions, meta: dict, out: str) -> str:
    import matplotlib.pyplot as plt

    classes = list(meta['classes'])
    ious = {name: per_class_iou(maps, pred.gts, len(classes)) for name, maps in pred.models.items()}
    present = [c for c in range(len(classes)) if any(not np.isnan(v[c]) for v in ious.values())]
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(present) + 2), 4))
    width = 0.8 / len(ious)
    for k, (name, values) in enumerate(ious.items()):
        mean = np.nanmean(values[present])
        ax.bar(
            np.arange(len(present)) + k * width,
            np.nan_to_num(values[present]),
            width,
            label=f'{name} (mIoU {mean:.1f})',
        )
    ax.set_xticks(np.arange(len(present)) + width * (len(ious) - 1) / 2)
    ax.set_xticklabels([classes[c] for c in present], rotation=30, ha='right')
    ax.set_ylim(0, 100)
    return _save_chart(
        fig,
        ax,
        'IoU (%)',
        f'per-class IoU over {len(pred.gts)} images (classes that occur)',
        osp.join(out, 'per_class_iou.png'),
    )


def _save_chart(fig, ax, ylabel: str, title: str, path: str) -> str:
    """Label, legend and grid of a bar chart, written as a PNG."""
    import matplotlib.pyplot as plt

    ax.set_ylabel(ylabel)
    ax.set_title(title)
    # below the axes: bars reach 100 % and a legend inside would hide them
    ax.legend(fontsize=8, loc='upper center', bbox_to_anchor=(0.5, -0.22), ncol=3)
    ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def depth_panels(pred: Predictions, count: int, out: str) -> List[str]:
    import matplotlib.pyplot as plt

    paths = []
    names = list(pred.models)
    for i in range(min(count, len(pred.gts))):
        gt = pred.gts[i]
        valid = gt > 0
        maps = [pred.models[n][i] for n in names]
        top = max(gt.max(), *(m.max() for m in maps))
        errors = {n: np.where(valid, np.abs(pred.models[n][i] - gt), np.nan) for n in names}
        error_top = max(np.nanmax(e) for e in errors.values())
        columns = len(names) + 2  # top: input, ground truth, each model; bottom: errors, change
        fig, axes = plt.subplots(2, columns, figsize=(3.6 * columns, 6.5))
        axes[0, 0].imshow(pred.images[i])
        axes[0, 0].set_title('input')
        shown = None
        for ax, (title, depth) in zip(
            axes[0, 1:], [('ground truth', np.where(valid, gt, np.nan))] + list(zip(names, maps))
        ):
            shown = ax.imshow(depth, cmap='magma_r', vmin=0, vmax=top)
            rmse = (
                ''
                if title == 'ground truth'
                else f' (RMSE {np.sqrt(np.mean((depth[valid] - gt[valid]) ** 2)):.3f} m)'
            )
            ax.set_title(title + rmse, fontsize=10)
        fig.colorbar(shown, ax=list(axes[0, 1:]), shrink=0.8, label='depth (m)')
        shown_error = None
        for ax, name in zip(axes[1], names):
            shown_error = ax.imshow(errors[name], cmap='inferno', vmin=0, vmax=error_top)
            ax.set_title(f'{name}: |error|', fontsize=10)
        fig.colorbar(
            shown_error, ax=list(axes[1, : len(names)]), shrink=0.8, label='abs. error (m)'
        )
        last = axes[1, len(names)]
        if 'student alone' in pred.models:
            gain = errors['student alone'] - errors['distilled']
            bound = np.nanmax(np.abs(gain)) or 1.0
            shown_gain = last.imshow(gain, cmap='RdYlGn', vmin=-bound, vmax=bound)
            last.set_title('error change\n(green: distilled closer)', fontsize=10)
            fig.colorbar(shown_gain, ax=last, shrink=0.8, label='m')
        for ax in axes.flat:
            ax.axis('off')
        fig.suptitle(f'image {i}', fontsize=11)
        paths.append(osp.join(out, f'panel_{i}.png'))
        fig.savefig(paths[-1], dpi=80)
        plt.close(fig)
    return paths


def depth_chart(pred: Predictions, out: str) -> str:
    import matplotlib.pyplot as plt

    top = max(float(g[g > 0].max()) for g in pred.gts if (g > 0).any())
    edges = np.linspace(0, np.ceil(top), min(int(np.ceil(top)), 10) + 1)
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(pred.models)
    for k, (name, maps) in enumerate(pred.models.items()):
        errors, counts = depth_range_errors(maps, pred.gts, edges)
        ax.bar(np.arange(len(errors)) + k * width, np.nan_to_num(errors), width, label=name)
    ax.set_xticks(np.arange(len(edges) - 1) + width * (len(pred.models) - 1) / 2)
    ax.set_xticklabels([f'{a:.0f}-{b:.0f} m' for a, b in zip(edges[:-1], edges[1:])])
    return _save_chart(
        fig,
        ax,
        'mean absolute error (m)',
        f'error by ground-truth depth over {len(pred.gts)} images',
        osp.join(out, 'depth_range_error.png'),
    )


def cls_pictures(pred: Predictions, meta: dict, count: int, out: str) -> List[str]:
    import matplotlib.pyplot as plt

    classes = list(meta.get('classes') or range(1 + max(pred.gts)))
    count = min(count, len(pred.gts))
    columns = min(count, 6)
    rows = -(-count // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 3.2 * rows), squeeze=False)
    for i, ax in zip(range(count), axes.flat):
        ax.imshow(pred.images[i], interpolation='nearest')
        lines = [f'truth: {classes[pred.gts[i]]}']
        for name in pred.models:
            label, score = pred.models[name][i], pred.scores[name][i]
            mark = 'ok' if label == pred.gts[i] else 'WRONG'
            lines.append(f'{name}: {classes[label]} {score:.2f} {mark}')
        ax.set_title('\n'.join(lines), fontsize=7)
    for ax in axes.flat:
        ax.axis('off')
    fig.tight_layout()
    paths = [osp.join(out, 'predictions.png')]
    fig.savefig(paths[0], dpi=100, bbox_inches='tight')  # keep the 4-line titles
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(classes) + 2), 4))
    gts = np.array(pred.gts)
    width = 0.8 / len(pred.models)
    for k, (name, labels) in enumerate(pred.models.items()):
        right = np.array(labels) == gts
        accuracy = [
            right[gts == c].mean() * 100 if (gts == c).any() else 0 for c in range(len(classes))
        ]
        ax.bar(
            np.arange(len(classes)) + k * width,
            accuracy,
            width,
            label=f'{name} ({right.mean() * 100:.1f} %)',
        )
    ax.set_xticks(np.arange(len(classes)) + width * (len(pred.models) - 1) / 2)
    ax.set_xticklabels(classes, rotation=30, ha='right')
    paths.append(
        _save_chart(
            fig,
            ax,
            'accuracy (%)',
            f'per-class accuracy over {len(gts)} images',
            osp.join(out, 'per_class_accuracy.png'),
        )
    )
    return paths


def main(argv: Optional[Sequence[str]] = None) -> int:
    import matplotlib

    matplotlib.use('Agg')
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise ConfigError(f'config not found: {args.config!r}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if not is_distiller_config(cfg):
        raise ConfigError(
            f'{args.config} is not a distillation config: give the config a '
            'distillation run was trained with (its student is drawn).'
        )
    out = args.out or osp.join(
        cfg.get('work_dir') or osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0]),
        'compare',
    )
    os.makedirs(out, exist_ok=True)
    models = _models(cfg, args)
    loader = _dataloader(cfg, args.split)
    pred = predict(models, loader, args.score_images)
    meta = loader.dataset.metainfo
    first = pred.gts[0]
    if isinstance(first, int):
        paths = cls_pictures(pred, meta, args.images, out)
    elif np.issubdtype(first.dtype, np.floating):
        paths = depth_panels(pred, args.images, out) + [depth_chart(pred, out)]
    else:
        paths = seg_panels(pred, meta, args.images, out) + [seg_chart(pred, meta, out)]
    print('\n'.join(paths))
    return 0


if __name__ == '__main__':
    from mmkd.apis.cli import run_cli

    sys.exit(run_cli(main))
