"""Transforms of a tap tensor, used as a loss's ``teacher_transform`` (e.g. SFKD's top-K mask).

A new transform is one file in this package: every module here is imported below, so its
``@MODELS.register_module()`` runs without an import line here.
"""

import importlib
import pkgutil

from .topk_mask import TopKMask, num_kept, resolve_axes, topk_mask

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f'{__name__}.{_module.name}')

__all__ = ['TopKMask', 'num_kept', 'resolve_axes', 'topk_mask']
