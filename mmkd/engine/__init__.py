from .checkpoint import allow_mmengine_checkpoint_types, load_model_weights
from .data_checks import DataCheckHook, DataError
from .dist import CPUAwareDistributedDataParallel, ValidateRankZeroModelHook, setup_cpu_distributed
from .fileio import (AtomicLocalBackend, atomic_file, atomic_torch_save,
                     use_atomic_local_backend)
from .hooks import CheckpointHook, ExactResumeHook, TeacherReferenceHook

__all__ = ['allow_mmengine_checkpoint_types', 'load_model_weights', 'AtomicLocalBackend',
           'atomic_file', 'atomic_torch_save', 'use_atomic_local_backend',
           'CPUAwareDistributedDataParallel', 'ValidateRankZeroModelHook', 'setup_cpu_distributed',
           'TeacherReferenceHook', 'ExactResumeHook', 'CheckpointHook', 'DataCheckHook',
           'DataError']
