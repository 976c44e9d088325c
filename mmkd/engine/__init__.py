from .checkpoint import allow_mmengine_checkpoint_types, load_model_weights
from .data_checks import DataCheckHook, DataError
from .dist import CPUAwareDistributedDataParallel, setup_cpu_distributed
from .hooks import ExactResumeHook, TeacherReferenceHook

__all__ = ['allow_mmengine_checkpoint_types', 'load_model_weights',
           'CPUAwareDistributedDataParallel', 'setup_cpu_distributed', 'TeacherReferenceHook', 'ExactResumeHook',
           'DataCheckHook', 'DataError']
