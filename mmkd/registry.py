"""mmkd's registries: children of MMEngine's root registries.

Because they are children, a config whose ``default_scope`` is ``'mmseg'`` or ``'mmpretrain'``
(inherited from the upstream base configs) can name mmkd components with the ``mmkd.`` prefix,
e.g. ``type='mmkd.Distiller'``, and mmkd components can build upstream models in turn.
"""

from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

MODELS = Registry('model', parent=MMENGINE_MODELS, scope='mmkd', locations=['mmkd.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope='mmkd', locations=['mmkd.engine']
)
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='mmkd', locations=['mmkd.engine.hooks'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='mmkd', locations=['mmkd.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='mmkd', locations=['mmkd.datasets']
)
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope='mmkd', locations=['mmkd.evaluation'])

__all__ = ['MODELS', 'MODEL_WRAPPERS', 'HOOKS', 'DATASETS', 'TRANSFORMS', 'METRICS']
