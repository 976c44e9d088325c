"""``tools/test.py --show-dir / --out``: what mmseg's and mmpretrain's test tools give, for
plain models and for the students and teachers of distillers alike.

* segmentation: mmseg's ``SegVisualizationHook`` (ground truth | prediction overlays, every
  image) and, for ``--out``, ``IoUMetric(output_dir=, keep_results=True)``: the predicted label
  maps as PNGs, as mmseg's own ``--out`` writes them;
* depth: :class:`mmkd.engine.hooks.DepthVisualizationHook` (input | ground truth | prediction on
  one colour scale, with a colour bar: mmseg draws depth without a scale) and
  ``DepthMetric(output_dir=)``;
* classification: mmpretrain's ``VisualizationHook`` (the image with its class and score) and,
  for ``--out``, :class:`mmkd.evaluation.JSONPredictions` (mmpretrain's ``DumpResults`` writes a
  pickle, which runs code when read).
"""

import os.path as osp
from typing import Optional

from mmengine.config import Config

from mmkd.utils import ConfigError


def task_of(cfg: Config) -> str:
    """'seg', 'depth' or 'cls', from the test metric the config evaluates with."""
    metric = cfg.get('test_evaluator') or {}
    metric = metric[0] if isinstance(metric, (list, tuple)) else metric
    kind = str(metric.get('type', '')).split('.')[-1]
    if kind == 'IoUMetric':
        return 'seg'
    if kind == 'DepthMetric':
        return 'depth'
    if kind in ('Accuracy', 'SingleLabelMetric', 'MultiLabelMetric', 'AveragePrecision'):
        return 'cls'
    raise ConfigError(
        f'--show-dir/--out: test_evaluator {kind or metric!r} is not one mmkd '
        'draws (IoUMetric, DepthMetric, Accuracy); drop these options.'
    )


def configure_test_outputs(cfg: Config, show_dir: Optional[str], out: Optional[str]) -> None:
    """Turn on drawing every test image into ``show_dir`` and writing raw predictions to
    ``out`` (a folder for segmentation and depth, a JSON file for classification)."""
    if not show_dir and not out:
        return
    task = task_of(cfg)
    hooks = cfg.setdefault('default_hooks', {})
    if show_dir:
        show_dir = osp.abspath(show_dir)
        if task == 'seg':
            hooks['visualization'] = dict(type='mmseg.SegVisualizationHook', draw=True, interval=1)
            cfg.visualizer['save_dir'] = show_dir
        elif task == 'depth':
            hooks.pop('visualization', None)
            cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [
                dict(type='mmkd.DepthVisualizationHook', out_dir=show_dir)
            ]
        else:
            # resize: the short side to 224 px, so that the class and score text is readable on
            # CIFAR-size (32 px) images too
            hooks['visualization'] = dict(
                type='mmpretrain.VisualizationHook',
                enable=True,
                interval=1,
                out_dir=show_dir,
                resize=224,
            )
    if out:
        out = osp.abspath(out)
        if task == 'cls':
            evaluator = cfg.test_evaluator
            metrics = list(evaluator) if isinstance(evaluator, (list, tuple)) else [evaluator]
            cfg.test_evaluator = metrics + [dict(type='mmkd.JSONPredictions', out_file=out)]
        else:
            cfg.test_evaluator['output_dir'] = out
            if task == 'seg':
                cfg.test_evaluator['keep_results'] = True


__all__ = ['configure_test_outputs', 'task_of']
