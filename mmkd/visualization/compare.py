"""What distillation changed in a student's predictions, as arrays ready to draw.

A pixel is *fixed* when the student alone got it wrong and the distilled student gets it right,
*broken* in the opposite case; pixels both get right or both get wrong are unchanged. These maps
and the per-class scores are computed here, with numpy, so that they can be tested on hand-made
predictions; tools/analysis/compare.py only lays them out with matplotlib.
"""

from typing import Dict, Sequence, Tuple

import numpy as np

FIXED = (0, 170, 0)  # green: wrong alone, right distilled
BROKEN = (220, 30, 30)  # red: right alone, wrong distilled
BOTH_RIGHT = (215, 215, 215)
BOTH_WRONG = (110, 110, 110)
IGNORED = (255, 255, 255)


def prediction_changes(
    gt: np.ndarray, alone: np.ndarray, distilled: np.ndarray, ignore_index: int = 255
) -> Dict[str, np.ndarray]:
    """Boolean masks ``fixed``, ``broken``, ``both_right``, ``both_wrong``, ``ignored`` (H, W)."""
    if not gt.shape == alone.shape == distilled.shape:
        raise ValueError(
            f'prediction maps differ in size: ground truth {gt.shape}, student alone '
            f'{alone.shape}, distilled {distilled.shape}'
        )
    valid = gt != ignore_index
    alone_right, distilled_right = (alone == gt) & valid, (distilled == gt) & valid
    return dict(
        fixed=~alone_right & distilled_right & valid,
        broken=alone_right & ~distilled_right,
        both_right=alone_right & distilled_right,
        both_wrong=~alone_right & ~distilled_right & valid,
        ignored=~valid,
    )


def change_map(
    gt: np.ndarray, alone: np.ndarray, distilled: np.ndarray, ignore_index: int = 255
) -> np.ndarray:
    """An RGB image (H, W, 3) of :func:`prediction_changes`, in the colours above."""
    masks = prediction_changes(gt, alone, distilled, ignore_index)
    out = np.zeros((*gt.shape, 3), np.uint8)
    for name, colour in (
        ('both_right', BOTH_RIGHT),
        ('both_wrong', BOTH_WRONG),
        ('ignored', IGNORED),
        ('fixed', FIXED),
        ('broken', BROKEN),
    ):
        out[masks[name]] = colour
    return out


def per_class_iou(
    preds: Sequence[np.ndarray],
    gts: Sequence[np.ndarray],
    num_classes: int,
    ignore_index: int = 255,
) -> np.ndarray:
    """IoU (%) of each class over all images, as mmseg's IoUMetric counts it; NaN for a class
    that appears in neither the predictions nor the ground truth."""
    intersect = np.zeros(num_classes, np.int64)
    union = np.zeros(num_classes, np.int64)
    for pred, gt in zip(preds, gts):
        valid = gt != ignore_index
        pred, gt = pred[valid].astype(np.int64), gt[valid].astype(np.int64)
        area_pred = np.bincount(pred, minlength=num_classes)[:num_classes]
        area_gt = np.bincount(gt, minlength=num_classes)[:num_classes]
        area_both = np.bincount(gt[pred == gt], minlength=num_classes)[:num_classes]
        intersect += area_both
        union += area_pred + area_gt - area_both
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(union > 0, 100.0 * intersect / np.maximum(union, 1), np.nan)


def depth_range_errors(
    preds: Sequence[np.ndarray], gts: Sequence[np.ndarray], edges: Sequence[float]
) -> Tuple[np.ndarray, np.ndarray]:
    """Mean absolute error and pixel count per ground-truth depth range ``[edges[i], edges[i+1])``
    over all valid pixels (ground truth > 0, as mmseg's DepthMetric counts valid)."""
    edges = np.asarray(edges, np.float64)
    total = np.zeros(len(edges) - 1)
    count = np.zeros(len(edges) - 1, np.int64)
    for pred, gt in zip(preds, gts):
        valid = gt > 0
        error = np.abs(pred[valid] - gt[valid])
        bins = np.digitize(gt[valid], edges) - 1
        inside = (bins >= 0) & (bins < len(total))
        total += np.bincount(bins[inside], weights=error[inside], minlength=len(total))
        count += np.bincount(bins[inside], minlength=len(total))
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan), count
