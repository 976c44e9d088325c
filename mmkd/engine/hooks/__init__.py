"""Every hook mmkd registers (config name ``mmkd.<Hook>``), one file each."""

from .aid_early_stop_hook import AIDEarlyStopHook
from .checkpoint_hook import CheckpointHook
from .data_check_hook import DataCheckHook
from .depth_visualization_hook import DepthVisualizationHook
from .exact_resume_hook import ExactResumeHook, capture_rng_state, restore_rng_state
from .sdkd_phase_hook import SDKDPhaseHook
from .teacher_reference_hook import TeacherReferenceHook, evaluate_on_val
from .validate_rank_zero_hook import ValidateRankZeroModelHook

__all__ = [
    'AIDEarlyStopHook',
    'CheckpointHook',
    'DataCheckHook',
    'DepthVisualizationHook',
    'ExactResumeHook',
    'SDKDPhaseHook',
    'TeacherReferenceHook',
    'ValidateRankZeroModelHook',
    'capture_rng_state',
    'restore_rng_state',
    'evaluate_on_val',
]
