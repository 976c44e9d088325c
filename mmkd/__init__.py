"""mmkd: knowledge distillation for the OpenMMLab stack (mmseg, mmpretrain, MMEngine)."""

from .engine.checkpoint import allow_mmengine_checkpoint_types, load_urls_safely
from .engine.config_text import memoize_config_formatting
from .engine.fileio import use_atomic_local_backend

__version__ = '0.1.0'

# MMEngine checkpoints must stay loadable with torch's safe (weights_only) loading.
allow_mmengine_checkpoint_types()
# ... and so must checkpoints given as http(s) URLs (downloaded once into torch hub's cache).
load_urls_safely()
# Checkpoints are written atomically: a full disk or a crash never leaves a truncated file.
use_atomic_local_backend()
# A config's text is formatted by yapf once per process, not at each of its five uses in a run.
memoize_config_formatting()

from . import datasets, engine, evaluation, models, visualization  # noqa: E402,F401  (registers)

__all__ = ['__version__']
