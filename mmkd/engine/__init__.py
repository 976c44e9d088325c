from .checkpoint import allow_mmengine_checkpoint_types, load_model_weights
from .config_text import memoize_config_formatting
from .data_checks import DataError
from .dist import CPUAwareDistributedDataParallel, setup_cpu_distributed
from .fileio import AtomicLocalBackend, atomic_file, atomic_torch_save, use_atomic_local_backend
from .hooks import (
    AIDEarlyStopHook,
    CheckpointHook,
    DataCheckHook,
    DepthVisualizationHook,
    ExactResumeHook,
    SDKDPhaseHook,
    TeacherReferenceHook,
    ValidateRankZeroModelHook,
)

__all__ = [
    'allow_mmengine_checkpoint_types',
    'load_model_weights',
    'AtomicLocalBackend',
    'atomic_file',
    'atomic_torch_save',
    'use_atomic_local_backend',
    'memoize_config_formatting',
    'CPUAwareDistributedDataParallel',
    'ValidateRankZeroModelHook',
    'setup_cpu_distributed',
    'TeacherReferenceHook',
    'ExactResumeHook',
    'CheckpointHook',
    'DataCheckHook',
    'DataError',
    'AIDEarlyStopHook',
    'SDKDPhaseHook',
    'DepthVisualizationHook',
]
