"""Locality-sensitive-hashing feature mimicking (LSHFM).

Wang, Ge, Wu. "Distilling Knowledge by Mimicking Features", TPAMI 2021 (DoctorKey/LSHFM).
"""

from typing import Any, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from mmkd.registry import MODELS

from .base import DistillLoss
from .utils import check_min_ndim, check_same_shape

_HINT = "add a connector to project the student feature to the teacher's shape"


@MODELS.register_module()
class LSHLoss(DistillLoss):
    """LSH + MSE feature mimicking: the student's feature must fall on the same side of random
    hyperplanes as the teacher's, and close to it.

    With a frozen random projection ``W`` (``bits x D``, entries ``N(0, std²)``, bias 0)::

        loss = loss_weight * (BCE_with_logits(W f_s, 1[W f_t > 0]) + mse_weight * MSE(f_s, f_t))

    both terms averaged over all their elements. The hash (the signs of ``W f``) keeps the
    feature's direction, which a linear classifier on it reads, while MSE keeps its length.
    LSHFM sets ``std`` to the std of the teacher classifier's weights (:meth:`set_std`) and uses
    ``bits = 4 * D`` or 2048, loss_weight 5 (ImageNet) / 6 (CIFAR-100).

    ``(N, D)`` vectors are hashed as they are; ``(N, D, *spatial)`` maps hash every position's
    D-vector. ``sample_pixels`` hashes only a random subset of that many (sample, position)
    pairs per batch, the same for student and teacher, to bound the ``pixels x bits`` logits;
    the MSE term is cheap and always uses every position.

    ``W`` is a non-persistent buffer: it is in no checkpoint (so never in an exported
    student), and is instead regenerated from ``seed`` with a private ``torch.Generator``, so a
    resumed run hashes with the same hyperplanes. It follows ``.to(device)`` like any buffer.

    Args:
        in_channels: D, the feature channels.
        bits: number of hyperplanes; None is ``4 * in_channels``.
        std: std of the entries of ``W`` (see :meth:`set_std`).
        mse_weight: weight of the MSE term relative to the hash term (LSHFM: 1).
        sample_pixels: for maps, hash this many random positions per batch; None hashes all.
        seed: seed of the generator that draws ``W``.
        loss_weight: multiplier of the returned loss (see :class:`DistillLoss`).
    """

    def __init__(
        self,
        in_channels: int,
        bits: Optional[int] = None,
        std: float = 1.0,
        mse_weight: float = 1.0,
        sample_pixels: Optional[int] = None,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        bits = 4 * in_channels if bits is None else bits
        if in_channels < 1 or bits < 1:
            raise ValueError(
                f'LSHLoss: in_channels and bits must be >= 1, got {in_channels} and {bits}'
            )
        if sample_pixels is not None and sample_pixels < 1:
            raise ValueError(f'LSHLoss: sample_pixels must be >= 1 or None, got {sample_pixels}')
        if mse_weight < 0:
            raise ValueError(f'LSHLoss: mse_weight must be >= 0, got {mse_weight}')
        self.in_channels, self.bits = int(in_channels), int(bits)
        self.mse_weight = float(mse_weight)
        self.sample_pixels = sample_pixels
        self.seed = int(seed)
        self.register_buffer('projection', torch.empty(self.bits, self.in_channels), False)
        self.set_std(std)

    def set_std(self, std: float) -> None:
        """Redraw ``W`` from ``seed`` with entries ``N(0, std²)``: the same hyperplanes, scaled
        (LSHFM: the std of the teacher classifier's weights, so ``W f_t`` has the scale of the
        teacher's logits). Call it the same way on every (re)start: ``W`` is not saved."""
        if not std > 0:
            raise ValueError(f'LSHLoss: std must be > 0, got {std}')
        self.std = float(std)
        generator = torch.Generator().manual_seed(self.seed)
        unit = torch.randn(self.bits, self.in_channels, generator=generator, dtype=torch.float64)
        projection = (unit * self.std).to(self.projection.dtype)
        self.projection = projection.to(self.projection.device)

    def rows(self, student: Tensor, teacher: Tensor) -> Tuple[Tensor, Tensor]:
        """The ``(M, D)`` feature vectors that are hashed: all ``N`` vectors, or every (or
        ``sample_pixels`` random) positions of the maps, the same positions for both."""
        if student.dim() == 2:
            return student, teacher
        flat_s = student.movedim(1, -1).reshape(-1, self.in_channels)
        flat_t = teacher.movedim(1, -1).reshape(-1, self.in_channels)
        if self.sample_pixels is None or self.sample_pixels >= flat_s.shape[0]:
            return flat_s, flat_t
        picked = torch.randperm(flat_s.shape[0], device=flat_s.device)[: self.sample_pixels]
        return flat_s[picked], flat_t[picked]

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        name = type(self).__name__
        check_min_ndim(name, student, 2, '(N, D) vectors or (N, D, H, W) maps')
        check_same_shape(name, student, teacher, _HINT)
        if student.shape[1] != self.in_channels:
            raise ValueError(
                f'{name}: expected {self.in_channels} channels (in_channels), got shape '
                f'{tuple(student.shape)}'
            )
        teacher = teacher.detach()
        rows_s, rows_t = self.rows(student, teacher)
        w = self.projection.to(rows_s.dtype)
        hash_target = (rows_t @ w.t() > 0).to(rows_s.dtype)
        loss = F.binary_cross_entropy_with_logits(rows_s @ w.t(), hash_target)
        if self.mse_weight:
            loss = loss + self.mse_weight * F.mse_loss(student, teacher)
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return (
            f'in_channels={self.in_channels}, bits={self.bits}, std={self.std:g}, '
            f'mse_weight={self.mse_weight:g}, sample_pixels={self.sample_pixels}, '
            f'seed={self.seed}, loss_weight={self.loss_weight:g}'
        )
