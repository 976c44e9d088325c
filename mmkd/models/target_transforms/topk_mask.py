"""Salient-value masking of a teacher tensor (SFKD: distil only the teacher's top-K values).

``F_K = F * M`` with ``M_i = 1`` for the K largest entries of each *group* of ``F`` and 0
elsewhere. It is a registered module, used through any loss's ``teacher_transform=`` option::

    losses=dict(kd=dict(type='mmkd.KLDivergence', tau=4.0, student='logits', teacher='logits',
                        teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6)))

so it composes with every loss of mmkd (the distiller applies it to the teacher tensor before
the connector and the loss). AT, whose attention map only exists inside the loss, takes the same
options as ``ATLoss(teacher_mask=dict(ratio=0.6))`` and runs this module on that map.
"""

import math
from typing import Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from mmkd.registry import MODELS

DimSpec = Union[str, int, Sequence[int]]

#: the named groupings; values are the axes ranked jointly (resolved against the tensor's ndim)
NAMED_DIMS = ('channel', 'sample', 'spatial')


def num_kept(ratio: float, n: int) -> int:
    """K for a group of ``n`` entries: ``ceil(ratio * n)``, at least 1 and at most ``n``.

    ``ratio * n`` is rounded to 9 decimals before the ceiling, so that a product which is an
    integer up to floating-point error (0.7 * 10 = 7.000000000000001) gives that integer.
    """
    if n <= 0:
        return 0
    return min(n, max(1, math.ceil(round(ratio * n, 9))))


def resolve_axes(dim: DimSpec, ndim: int) -> Tuple[int, ...]:
    """The (sorted, non-negative) axes that ``dim`` ranks jointly for a tensor of ``ndim`` dims."""
    if isinstance(dim, str):
        if dim == 'channel':
            if ndim < 2:
                raise ValueError(
                    f"TopKMask(dim='channel') needs (N, C) or (N, C, *spatial) "
                    f'tensors, got {ndim} dimension(s)'
                )
            return (1,)
        if dim == 'sample':
            if ndim < 2:
                raise ValueError(
                    f"TopKMask(dim='sample') needs a batch axis and at least one "
                    f'more, got {ndim} dimension(s)'
                )
            return tuple(range(1, ndim))
        if dim == 'spatial':
            if ndim < 3:
                raise ValueError(
                    f"TopKMask(dim='spatial') needs (N, C, *spatial) tensors, got "
                    f"{ndim} dimension(s); for an (N, H*W) map use dim='sample'"
                )
            return tuple(range(2, ndim))
        raise ValueError(f'TopKMask: dim must be one of {NAMED_DIMS} or axes, got {dim!r}')
    axes = (dim,) if isinstance(dim, int) else tuple(dim)
    if not axes:
        raise ValueError('TopKMask: dim names no axis')
    resolved = []
    for axis in axes:
        if not -ndim <= axis < ndim:
            raise ValueError(f'TopKMask: axis {axis} out of range for a {ndim}-d tensor')
        resolved.append(axis % ndim)
    if 0 in resolved:
        raise ValueError(
            'TopKMask: axis 0 is the batch axis; masks are per sample, so rank over other axes only'
        )
    if len(set(resolved)) != len(resolved):
        raise ValueError(f'TopKMask: repeated axis in dim={dim!r}')
    return tuple(sorted(resolved))


def topk_mask(x: Tensor, ratio: float, axes: Tuple[int, ...], ties: str = 'first') -> Tensor:
    """Boolean mask of the top-K entries of ``x`` within each group.

    A group is one index of every axis *not* in ``axes`` (the batch axis is never in ``axes``);
    its ``n`` entries are the product of the sizes of ``axes`` and ``K = num_kept(ratio, n)``.
    ``ties='first'`` keeps exactly K entries: among entries equal to the K-th largest value, the
    ones that come first in row-major order over ``axes`` win. ``ties='all'`` keeps every entry
    >= the K-th largest value (possibly more than K). NaN entries are never kept.
    """
    other = [a for a in range(x.dim()) if a not in axes]
    perm = other + list(axes)
    moved = x.permute(perm)
    group_shape = moved.shape[: len(other)]
    n = math.prod(moved.shape[len(other) :])
    k = num_kept(ratio, n)
    flat = moved.reshape(-1, n)
    if flat.numel() == 0:
        return torch.zeros_like(x, dtype=torch.bool)
    if k == n:
        keep = ~torch.isnan(flat)
    else:
        # rank NaN below everything (never kept); CPU kthvalue has no half-precision kernel
        ranked = torch.nan_to_num(flat, nan=-math.inf) if flat.is_floating_point() else flat
        if ranked.device.type == 'cpu' and ranked.dtype in (torch.float16, torch.bfloat16):
            ranked = ranked.float()
        # the K-th largest value of each row = its (n - K + 1)-th smallest
        kth = torch.kthvalue(ranked, n - k + 1, dim=1, keepdim=True).values
        if ties == 'all':
            keep = ranked >= kth
        else:
            above = ranked > kth
            tied = ranked == kth
            needed = k - above.sum(dim=1, keepdim=True)
            keep = above | (tied & (tied.cumsum(dim=1) <= needed))
        keep &= ~torch.isnan(flat)
    inverse = [0] * len(perm)
    for i, axis in enumerate(perm):
        inverse[axis] = i
    return keep.reshape(*group_shape, *moved.shape[len(other) :]).permute(inverse)


@MODELS.register_module()
class TopKMask(nn.Module):
    """Keep the top-K values of a (teacher) tensor, per sample; set the rest to ``fill``.

    The tensor is split into groups, ranked within each group, and the ``K = ceil(ratio * n)``
    largest of a group's ``n`` entries are kept (at least 1; ``ratio=1`` is the identity). The
    batch axis is never ranked across: every sample is masked on its own. ``dim`` chooses the
    groups:

    ==================  ==================================  ===================================
    ``dim``             tensor                              one group (ranked jointly)
    ==================  ==================================  ===================================
    ``'channel'``       logits ``(N, C)``                   the C class logits of one sample
    (default)           dense logits ``(N, C, H, W)``       the C class logits of one pixel
    ``'sample'``        features ``(N, C, H, W)``           all C*H*W values of one sample
    ``'spatial'``       features/maps ``(N, C, H, W)``      the H*W values of one (sample, C);
                                                            for an ``(N, 1, H, W)`` attention
                                                            map: the H*W map of one sample
    ints / tuple        any                                 those axes (not 0), jointly
    ==================  ==================================  ===================================

    So SFKD's three uses are ``TopKMask(r)`` before KD on logits (per sample, per pixel for
    dense maps), ``TopKMask(r, dim='sample')`` before a FitNet distance on features, and
    ``ATLoss(teacher_mask=dict(ratio=r))`` for attention maps (per sample over H*W).

    Rounding: ``K = ceil(ratio * n)`` (``ratio * n`` first rounded to 9 decimals, so 0.7 * 10
    gives 7, not 8), clamped to ``[1, n]``. E.g. n=19 classes, ratio=0.6: K = ceil(11.4) = 12.

    Ties (deterministic, no dependence on the sort implementation or the device):
    ``ties='first'`` (default) keeps exactly K entries; among entries equal to the K-th largest
    value, those that come first in row-major order within the group are kept (for
    ``dim='sample'``: lower channel first, then lower row, then lower column). ``ties='all'``
    keeps every entry equal to the K-th largest value, so possibly more than K. NaN entries are
    ranked last and never kept (they become ``fill``), except with ``ratio=1``, which returns
    the input itself.

    Fill: ``fill='zero'`` (default; the paper's ``F * M``) sets dropped entries to 0, which
    works with every loss (for logits a dropped class then has logit 0, i.e. it still gets some
    probability after the softmax). ``fill='-inf'`` sets them to ``-inf``, so a following
    softmax over the same axis gives them exactly zero probability; use it only with a loss that
    softmaxes over the masked axis and handles zero probabilities (KD-style losses on logits with
    ``dim='channel'``; not feature distances, AT or CWD's spatial softmax).

    The mask is computed without gradient (it is a selection); values pass through unchanged,
    so a gradient, if any, flows to the kept entries only.

    Args:
        ratio: fraction of entries kept per group, in (0, 1]. The SFKD paper finds 0.5-0.8 best.
        dim: ``'channel'``, ``'sample'``, ``'spatial'`` or explicit axes (see the table).
        fill: ``'zero'`` or ``'-inf'``.
        ties: ``'first'`` (exactly K) or ``'all'`` (all entries tied with the K-th value).
    """

    fills = ('zero', '-inf')
    tie_rules = ('first', 'all')

    def __init__(
        self, ratio: float, dim: DimSpec = 'channel', fill: str = 'zero', ties: str = 'first'
    ) -> None:
        super().__init__()
        if (
            isinstance(ratio, bool)
            or not isinstance(ratio, (int, float))
            or not 0.0 < float(ratio) <= 1.0
        ):
            raise ValueError(
                f'TopKMask: ratio must be in (0, 1] (the fraction of entries kept; '
                f'1 keeps everything), got {ratio!r}'
            )
        if fill not in self.fills:
            raise ValueError(f'TopKMask: fill must be one of {self.fills}, got {fill!r}')
        if ties not in self.tie_rules:
            raise ValueError(f'TopKMask: ties must be one of {self.tie_rules}, got {ties!r}')
        if isinstance(dim, str) and dim not in NAMED_DIMS:
            raise ValueError(f'TopKMask: dim must be one of {NAMED_DIMS} or axes, got {dim!r}')
        if isinstance(dim, (list, tuple)):
            dim = tuple(int(a) for a in dim)
        self.ratio = float(ratio)
        self.dim = dim
        self.fill = fill
        self.ties = ties

    def mask(self, x: Tensor) -> Tensor:
        """The boolean keep-mask of ``x`` (True = kept), same shape as ``x``."""
        with torch.no_grad():
            return topk_mask(x.detach(), self.ratio, resolve_axes(self.dim, x.dim()), self.ties)

    def forward(self, x: Tensor) -> Tensor:
        if self.ratio >= 1.0:
            resolve_axes(self.dim, x.dim())  # still reject a tensor the dim cannot apply to
            return x
        keep = self.mask(x)
        value = 0.0 if self.fill == 'zero' else -math.inf
        return x.masked_fill(~keep, value)

    def extra_repr(self) -> str:
        return f'ratio={self.ratio}, dim={self.dim!r}, fill={self.fill!r}, ties={self.ties!r}'
