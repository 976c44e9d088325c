"""AID: adapt the teacher to the student before distillation (ICCV 2025; no public code).

"A Good Teacher Adapts Their Knowledge for Distillation" finds that the capacity gap comes mostly
from a mismatch in the *intra-class distribution* of the outputs, and fine-tunes the teacher so
that this distribution suits the student while keeping its accuracy; any distiller then runs with
the adapted teacher. The paper's objective is not public; mmkd implements this reading::

    L_AID = L_task(teacher) + alpha * L_relation(teacher, reference student)
                            + beta  * L_anchor(teacher, original teacher)

* the **teacher** is trained (its own loss path, on the labels, in train mode);
* the **reference student** (e.g. the student trained alone) and the **original teacher** (a
  frozen copy of the teacher's starting weights) are frozen, in eval mode, run without gradient
  in tensor mode, and never change (nor do their BN statistics);
* ``L_relation`` defaults to :class:`~mmkd.models.losses.IntraClassRelation` (per class, 1 -
  Pearson correlation of the probabilities across the batch's samples or pixels);
  :class:`~mmkd.models.losses.NonTargetRelation` and, for depth,
  :class:`~mmkd.models.losses.LogDepthRelation` are the alternatives;
* ``L_anchor`` keeps the teacher's knowledge: KL to the original teacher's outputs (depth: the
  depth response loss to the original depth map).

Validation and testing evaluate the adapted teacher. Checkpoints hold **the teacher alone, under
its plain keys** (``backbone.*``, ``decode_head.*``, ``head.*``): every checkpoint of an adaptation
run loads into the ordinary mmseg / mmpretrain teacher model; resuming refills the frozen models.
:class:`AIDEarlyStopHook` stops when the teacher's validation metric drops too far and writes the
kept teacher to ``adapted_teacher.pth``.
"""

import copy
from typing import Any, Dict, List, Mapping, Optional, Union

import torch
from mmengine.model import BaseModel
from torch import Tensor, nn

from mmkd.models.build import build_model, resolve_model_cfg
from mmkd.models.frozen import (
    FrozenModelsMixin,
    build_loss,
    check_same_normalisation,
    freeze,
    load_weights_or_warn,
    merge_data_preprocessor,
)
from mmkd.models.losses.utils import labels_from_data_samples
from mmkd.registry import MODELS
from mmkd.taps import FeatureTaps
from mmkd.utils.errors import ConfigError

from .base import _num_classes, weighted_losses


@MODELS.register_module()
class AIDTeacherAdapter(FrozenModelsMixin, BaseModel):
    """Fine-tunes a teacher so that its outputs suit a reference student (AID).

    Args:
        teacher: the teacher's model config (inline dict or ``dict(cfg_path=...)``).
        reference_student: the student's model config.
        teacher_ckpt: the trained teacher to adapt (plain or mmkd checkpoint). ``None`` (tests
            only) keeps random weights, with a warning.
        reference_student_ckpt: the reference student's weights, e.g. the student trained alone.
        taps: ``dict(logits=<module path>)`` or ``dict(logits=dict(teacher=..., student=...))``:
            the class logits (``head.fc``, ``decode_head.conv_seg``) or the depth map
            (``decode_head.depth_act``) the relation and anchor terms compare.
        relation: the relation loss config (default ``IntraClassRelation(tau=4)``).
        anchor: the anchor loss config (default ``KLDivergence(tau=1)``; use
            ``DepthResponseLoss`` for depth).
        alpha: weight of the relation term; 0 turns adaptation into plain fine-tuning.
        beta: weight of the anchor term.
        task_loss_weight: factor on the teacher's own task losses.
        data_preprocessor: merged into the teacher's; all three models see the same batch.
    """

    frozen_modules = ('original_teacher', 'reference_student')

    def __init__(
        self,
        teacher: Mapping[str, Any],
        reference_student: Mapping[str, Any],
        teacher_ckpt: Optional[str] = None,
        reference_student_ckpt: Optional[str] = None,
        taps: Optional[Mapping[str, Union[str, Mapping[str, str]]]] = None,
        relation: Optional[Mapping[str, Any]] = None,
        anchor: Optional[Mapping[str, Any]] = None,
        alpha: float = 1.0,
        beta: float = 1.0,
        task_loss_weight: float = 1.0,
        data_preprocessor: Optional[Mapping[str, Any]] = None,
        init_cfg: Optional[Mapping[str, Any]] = None,
        **unknown: Any,
    ) -> None:
        self.reject_unknown_keys(unknown)
        teacher_cfg = merge_data_preprocessor(resolve_model_cfg(teacher), data_preprocessor)
        student_cfg = resolve_model_cfg(reference_student)
        check_same_normalisation(teacher_cfg, student_cfg, 'teacher', 'reference student')
        super().__init__(init_cfg=init_cfg)
        self.teacher = build_model(teacher_cfg)
        self.data_preprocessor = self.teacher.data_preprocessor
        self.reference_student = build_model(student_cfg)
        t_classes, s_classes = _num_classes(self.teacher), _num_classes(self.reference_student)
        if t_classes is not None and s_classes is not None and t_classes != s_classes:
            raise ConfigError(
                f'teacher predicts {t_classes} classes but the reference student '
                f'{s_classes}: set the same num_classes in both heads.'
            )

        paths = self._tap_paths(taps)
        self.relation = build_loss(
            relation or dict(type='mmkd.IntraClassRelation', tau=4.0), 'model.relation'
        )
        self.anchor = build_loss(anchor or dict(type='mmkd.KLDivergence', tau=1.0), 'model.anchor')
        self.alpha, self.beta = float(alpha), float(beta)
        self.task_loss_weight = float(task_loss_weight)
        if min(self.alpha, self.beta, self.task_loss_weight) < 0:
            raise ConfigError(
                'model.alpha, model.beta and model.task_loss_weight must be >= 0, '
                f'got {self.alpha}, {self.beta}, {self.task_loss_weight}.'
            )

        # Checked after the config, so every config mistake is reported before loading.
        self.teacher_ckpt, self.reference_student_ckpt = teacher_ckpt, reference_student_ckpt
        load_weights_or_warn(self.teacher, teacher_ckpt, 'teacher')
        freeze(
            load_weights_or_warn(
                self.reference_student, reference_student_ckpt, 'reference student'
            )
        )
        self.original_teacher = freeze(copy.deepcopy(self.teacher))
        self.taps = {
            'teacher': FeatureTaps(self.teacher, {'logits': paths['teacher']}, 'teacher'),
            'original_teacher': FeatureTaps(
                self.original_teacher, {'logits': paths['teacher']}, 'teacher'
            ),
            'reference_student': FeatureTaps(
                self.reference_student, {'logits': paths['student']}, 'student'
            ),
        }
        self._register_state_dict_hook(_teacher_only_state_dict)
        self._register_load_state_dict_pre_hook(self._from_teacher_state_dict)

    @staticmethod
    def _tap_paths(taps: Optional[Mapping[str, Any]]) -> Dict[str, str]:
        taps = dict(taps or {})
        if set(taps) != {'logits'}:
            raise ConfigError(
                f'model.taps: AID reads one tap, `logits`; got {sorted(taps)}. '
                "E.g. taps=dict(logits='decode_head.conv_seg')."
            )
        where = taps['logits']
        if isinstance(where, str):
            return {'teacher': where, 'student': where}
        if set(where) != {'teacher', 'student'}:
            raise ConfigError(
                "model.taps.logits: give a module path or dict(teacher='...', student='...')."
            )
        return dict(where)

    # ------------------------------------------------------------------- frozen models
    def init_weights(self) -> None:
        """Nothing to initialise: every model's weights come from its checkpoint."""

    def _from_teacher_state_dict(
        self, state_dict: Dict[str, Tensor], prefix: str, *args: Any
    ) -> None:
        # Checkpoints hold the teacher under its plain keys; move them under `teacher.` (the
        # mixin has already refilled the frozen models' keys).
        own = tuple(f'{prefix}{name}.' for name in ('teacher', *self.frozen_modules))
        for key in [k for k in state_dict if k.startswith(prefix) and not k.startswith(own)]:
            state_dict[f'{prefix}teacher.{key[len(prefix) :]}'] = state_dict.pop(key)

    # --------------------------------------------------------------------------- steps
    def forward(
        self, inputs: Tensor, data_samples: Optional[List[Any]] = None, mode: str = 'tensor'
    ) -> Any:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.teacher.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.teacher(inputs, data_samples, mode='tensor')
        raise ValueError(f'unknown mode {mode!r}: use loss, predict or tensor')

    def _frozen_logits(self, name: str, inputs: Tensor) -> Tensor:
        with torch.no_grad():
            self.taps[name].run(getattr(self, name), inputs, mode='tensor')
        logits = self.taps[name]['logits'].detach()
        self.taps[name].clear()
        return logits

    def loss(self, inputs: Tensor, data_samples: List[Any]) -> Dict[str, Tensor]:
        with self.taps['teacher'].recording():
            task_losses = self.teacher.loss(inputs, data_samples)
        logits = self.taps['teacher']['logits']
        self.taps['teacher'].clear()
        losses = weighted_losses(task_losses, 'teacher', self.task_loss_weight)
        if self.alpha > 0:
            reference = self._frozen_logits('reference_student', inputs)
            if getattr(self.relation, 'needs_labels', False):
                labels = labels_from_data_samples(data_samples).to(logits.device)
                relation = self.relation(logits, reference, labels=labels)
            else:
                relation = self.relation(logits, reference)
            losses['aid.loss_relation'] = self.alpha * relation
            losses['aid.relation'] = relation.detach()  # unweighted, for the log
        if self.beta > 0:
            original = self._frozen_logits('original_teacher', inputs)
            losses['aid.loss_anchor'] = self.beta * self.anchor(logits, original)
        return losses


def _teacher_only_state_dict(
    module: nn.Module, state_dict: Dict[str, Tensor], prefix: str, local_metadata: Any
) -> None:
    """Keep the teacher's weights only, under its plain keys (loadable by upstream tools)."""
    teacher = prefix + 'teacher.'
    for key in list(state_dict):
        if key.startswith(teacher):
            state_dict[prefix + key[len(teacher) :]] = state_dict.pop(key)
        elif key.startswith(prefix):
            del state_dict[key]
