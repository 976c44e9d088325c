"""Transforms of a tap tensor, used as a loss's ``teacher_transform`` (e.g. SFKD's top-K mask)."""
from .topk_mask import TopKMask, num_kept, resolve_axes, topk_mask

__all__ = ['TopKMask', 'num_kept', 'resolve_axes', 'topk_mask']
