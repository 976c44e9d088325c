"""Attention transfer.

Zagoruyko, Komodakis. "Paying More Attention to Attention: Improving the Performance of
Convolutional Neural Networks via Attention Transfer", ICLR 2017.
"""

from typing import Any, Mapping, Optional, Union

import torch.nn.functional as F
from torch import Tensor

from mmkd.models.target_transforms.topk_mask import TopKMask
from mmkd.registry import MODELS

from .base import DistillLoss


def attention_map(feature: Tensor, p: float) -> Tensor:
    """The spatial attention map ``mean_c |F_c|^p`` of an ``(N, C, *spatial)`` feature, kept as
    ``(N, 1, *spatial)`` (not normalised)."""
    return feature.abs().pow(p).mean(dim=1, keepdim=True)


def _build_teacher_mask(cfg: Union[None, TopKMask, Mapping[str, Any]]) -> Optional[TopKMask]:
    if cfg is None:
        return None
    if isinstance(cfg, TopKMask):
        mask = cfg
    elif isinstance(cfg, Mapping):
        cfg = dict(cfg)
        kind = cfg.pop('type', None)
        if kind is not None and str(kind).split('.')[-1] != 'TopKMask' and kind is not TopKMask:
            raise ValueError(f'ATLoss: teacher_mask is built as a TopKMask; got type={kind!r}')
        cfg.setdefault('dim', 'spatial')
        mask = TopKMask(**cfg)
    else:
        raise TypeError(
            'ATLoss: teacher_mask must be None, a dict of TopKMask arguments (e.g. '
            f'dict(ratio=0.6)) or a TopKMask, got {type(cfg).__name__}'
        )
    if mask.dim not in ('spatial', 'sample'):
        raise ValueError(
            'ATLoss: teacher_mask ranks the (N, 1, H, W) attention map of each '
            "sample over H*W; leave dim out (or use 'spatial'), got "
            f'dim={mask.dim!r}'
        )
    if mask.fill != 'zero':
        raise ValueError(
            "ATLoss: teacher_mask needs fill='zero' (attention maps are "
            f'non-negative and L2-normalised), got fill={mask.fill!r}'
        )
    return mask


@MODELS.register_module()
class ATLoss(DistillLoss):
    """Attention transfer between an ``(N, C_s, H, W)`` student and ``(N, C_t, H, W)`` teacher
    feature map (channel counts may differ; spatial sizes must match).

    For each sample, the spatial attention map is ``Q = mean_c |F_c|^p`` flattened to H*W
    values and L2-normalised, ``a = Q / max(||Q||_2, eps)``. The loss is the squared distance of
    the normalised maps, averaged over the batch and the positions::

        loss = loss_weight * mean_over_(N*H*W)( (a_s - a_t)² )

    which is the reference implementation's ``(at(s) - at(t)).pow(2).mean()`` (also
    RepDistiller's, whose CIFAR setting is loss_weight (beta) 1000 per tapped stage). ``mean_c`` or
    ``sum_c`` in Q makes no difference after the normalisation.

    SFKD on attention: ``teacher_mask=dict(ratio=0.6)`` keeps the top-K values of the teacher's
    *un-normalised* map Q of each sample over H*W (K = ceil(ratio * H*W), ties to the earlier
    position; see :class:`mmkd.TopKMask`), zeroes the rest, then normalises, so the masked
    teacher map still has unit norm. The student map is not masked.

    Different spatial sizes raise an error: resize explicitly with
    ``connector=dict(type='mmkd.ResizeConnector')`` on the loss.

    Args:
        p: exponent of the attention map (2 in the paper).
        loss_weight: multiplier of the returned loss (see :class:`DistillLoss`).
        eps: lower bound of the norm in the normalisation (an all-zero map stays zero).
        teacher_mask: None, or :class:`mmkd.TopKMask` arguments (``ratio``, ``ties``;
            ``dim`` defaults to and must stay ``'spatial'``, ``fill`` must be ``'zero'``).
    """

    # The maps are channel-free, so the distiller checks only batch and spatial sizes: stages
    # with different channel counts need no connector (a learnt 1x1 projection would change AT).
    compares_channels = False

    def __init__(
        self,
        p: float = 2.0,
        eps: float = 1e-12,
        teacher_mask: Union[None, TopKMask, Mapping[str, Any]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if p <= 0:
            raise ValueError(f'ATLoss: p must be > 0, got {p}')
        self.p = float(p)
        self.eps = float(eps)
        self.teacher_mask = _build_teacher_mask(teacher_mask)

    def attention(self, feature: Tensor, mask: Optional[TopKMask] = None) -> Tensor:
        """The normalised attention map ``(N, H*W)`` (masked first when ``mask`` is given)."""
        q = attention_map(feature, self.p)
        if mask is not None:
            q = mask(q)
        return F.normalize(q.flatten(1), p=2.0, dim=1, eps=self.eps)

    def forward(self, student: Tensor, teacher: Tensor) -> Tensor:
        name = type(self).__name__
        for role, x in (('student', student), ('teacher', teacher)):
            if x.dim() < 3:
                raise ValueError(
                    f'{name}: expected feature maps of shape (N, C, H, W), got '
                    f'{role} shape {tuple(x.shape)}'
                )
        if student.shape[0] != teacher.shape[0] or student.shape[2:] != teacher.shape[2:]:
            raise ValueError(
                f'{name}: student shape {tuple(student.shape)} and teacher shape '
                f'{tuple(teacher.shape)} differ in batch or spatial size (channels may differ); '
                "add connector=dict(type='mmkd.ResizeConnector') to resize the student map"
            )
        a_s = self.attention(student)
        a_t = self.attention(teacher.detach(), self.teacher_mask)
        return self.loss_weight * (a_s - a_t).pow(2).mean()
