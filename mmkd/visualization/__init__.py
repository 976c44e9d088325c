"""Pictures of what distillation changed (tools/analysis/compare.py draws them)."""

from .compare import (
    BROKEN,
    FIXED,
    change_map,
    depth_range_errors,
    per_class_iou,
    prediction_changes,
)
from .test_outputs import configure_test_outputs

__all__ = [
    'BROKEN',
    'FIXED',
    'change_map',
    'depth_range_errors',
    'per_class_iou',
    'prediction_changes',
    'configure_test_outputs',
]
