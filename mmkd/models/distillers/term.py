"""One distillation term: a configured loss with everything it needs between two taps.

A distiller holds its terms in ``Distiller.terms`` (``nn.ModuleDict``, loss name -> term) and
runs them all in one loop: it reads each term's trained tap and its target taps (one tensor per
model playing the target role: every teacher, or SDKD's one proxy or student) and logs what the
term returns under the term's key, times the term's scale (SDKD's k) when it has one.
A single teacher is the one-entry list of targets; nothing special-cases it.
"""

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from mmkd.models.losses.utils import labels_from_data_samples
from mmkd.utils.errors import ConfigError

COMBINE_RULES = ('mean', 'mean_loss')


class DistillTerm(nn.Module):
    """A loss between a trained tap and one or more target taps.

    Args:
        name: the loss name in the config (``losses.<name>`` in error messages).
        loss: the loss module, called as ``loss(trained, target)`` (plus ``labels=`` when it
            has ``needs_labels``, e.g. DKD).
        trained: (role, tap) of the tensor the loss trains, e.g. ``('student', 'logits')``.
        target: (role, tap) of the targets, e.g. ``('teacher', 'logits')``; read from every
            model playing that role.
        connector: maps the trained tensor onto the target's shape (``connector(x, target)``).
        teacher_transform: applied to each target before combining (e.g. SFKD's top-K mask).
        combine: with several targets, ``'mean'`` averages the transformed targets into one,
            ``'mean_loss'`` averages the loss against each.
        key: the logged name, ``distill.loss_<name>`` by default.
        scale: the name of a distiller attribute the logged loss is multiplied by (SDKD's
            ``'k'``, a buffer its phase hook switches), or ``None``.
    """

    def __init__(
        self,
        name: str,
        loss: nn.Module,
        trained: Tuple[str, str],
        target: Tuple[str, str],
        connector: Optional[nn.Module] = None,
        teacher_transform: Optional[nn.Module] = None,
        combine: str = 'mean',
        key: Optional[str] = None,
        scale: Optional[str] = None,
    ) -> None:
        super().__init__()
        if combine not in COMBINE_RULES:
            raise ConfigError(
                f"losses.{name}: teacher_combine must be 'mean' or 'mean_loss', got {combine!r}."
            )
        # registered in this order: the parameters keep the order of the distillers before
        # terms (losses, then connectors), which an old run's optimizer state relies on
        self.loss = loss
        self.connector = connector
        self.teacher_transform = teacher_transform
        check = getattr(loss, 'check_teacher_transform', None)
        if teacher_transform is not None and check is not None:
            try:
                check(teacher_transform)
            except ValueError as err:
                raise ConfigError(f'losses.{name}: {err}') from None
        self.name = name
        self.trained, self.target = tuple(trained), tuple(target)
        self.combine = combine
        self.key = key or f'distill.loss_{name}'
        self.scale = scale

    def forward(
        self, trained: Tensor, targets: Sequence[Tensor], data_samples: Optional[List[Any]] = None
    ) -> Tensor:
        """The loss of ``trained`` against the (already detached) ``targets``."""
        if self.teacher_transform is not None:
            targets = [self.teacher_transform(t) for t in targets]
        if self.combine == 'mean_loss':
            return sum(self.compare(trained, t, data_samples) for t in targets) / len(targets)
        # one target (the usual case) is used as is: no stack copy on the hot path
        target = targets[0] if len(targets) == 1 else torch.stack(list(targets)).mean(dim=0)
        return self.compare(trained, target, data_samples)

    def compare(
        self, trained: Tensor, target: Tensor, data_samples: Optional[List[Any]] = None
    ) -> Tensor:
        """Project the trained tensor with the connector, check shapes, apply the loss."""
        if self.connector is not None:
            trained = self.connector(trained, target)
        channel_free = not getattr(self.loss, 'compares_channels', True)
        if not _shapes_fit(trained, target, channel_free):
            raise ConfigError(_shape_mismatch_message(self.name, trained, target, channel_free))
        if getattr(self.loss, 'needs_labels', False):  # e.g. DKD: the ground-truth class
            if data_samples is None:
                raise ConfigError(
                    f'losses.{self.name}: {type(self.loss).__name__} needs the '
                    'labels, which this distiller step does not provide.'
                )
            labels = labels_from_data_samples(data_samples).to(trained.device)
            return self.loss(trained, target, labels=labels)
        return self.loss(trained, target)

    def extra_repr(self) -> str:
        scale = f', scale={self.scale!r}' if self.scale else ''
        return (
            f'{self.trained[0]}={self.trained[1]!r} -> {self.target[0]}={self.target[1]!r}, '
            f'combine={self.combine!r}, key={self.key!r}{scale}'
        )


#: state-dict parts of the distillers before DistillTerm -> the part of a term that holds them now
LEGACY_PARTS = {
    'distill_losses': 'loss',
    'connectors': 'connector',
    'teacher_transforms': 'teacher_transform',
}


def legacy_term_keys(keys: Iterable[str], prefix: str = '') -> Dict[str, str]:
    """Old key -> new key for the keys a distiller checkpoint had before DistillTerm:
    ``<prefix>connectors.<name>.<rest>`` -> ``<prefix>terms.<name>.connector.<rest>`` (likewise
    ``distill_losses.`` -> ``.loss.``, ``teacher_transforms.`` -> ``.teacher_transform.``)."""
    renamed = {}
    for key in keys:
        if not key.startswith(prefix):
            continue
        part, _, rest = key[len(prefix) :].partition('.')
        name, _, inner = rest.partition('.')
        if part in LEGACY_PARTS and name and inner:
            renamed[key] = f'{prefix}terms.{name}.{LEGACY_PARTS[part]}.{inner}'
    return renamed


def _shapes_fit(student: Tensor, teacher: Tensor, channel_free: bool) -> bool:
    """Equal shapes; a loss that compares channel-free maps (AT: ``compares_channels = False``)
    needs only the batch and spatial sizes to agree."""
    if not channel_free:
        return student.shape == teacher.shape
    return (
        student.dim() == teacher.dim() >= 3
        and student.shape[0] == teacher.shape[0]
        and student.shape[2:] == teacher.shape[2:]
    )


def _shape_mismatch_message(
    name: str, student: Tensor, teacher: Tensor, channel_free: bool = False
) -> str:
    s, t = tuple(student.shape), tuple(teacher.shape)
    what = 'batch or spatial size of ' if channel_free else ''
    msg = f'losses.{name}: the {what}student tensor {s} does not match the teacher tensor {t}. '
    if not channel_free and len(s) == len(t) and len(s) >= 2 and s[1] != t[1]:
        return msg + (
            f"Add connector=dict(type='mmkd.ConvConnector', in_channels={s[1]}, "
            f'out_channels={t[1]}) to this loss.'
        )
    if len(s) == len(t) and len(s) > 2:
        return msg + "Add connector=dict(type='mmkd.ResizeConnector') to this loss."
    return msg + 'Tap tensors of the same kind in both models.'
