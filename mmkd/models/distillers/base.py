"""The distiller core: a student, a frozen teacher, feature taps and flat distillation losses.

One training step, as data::

    inputs -> student.loss() with the student taps recording      (the student's own task loss)
           -> teacher forward in tensor mode, no_grad, eval mode    (stops once its taps fired)
           -> each loss reads its student and teacher taps by name  (connector on the student)
           -> {'student.<task losses>', 'distill.loss_<name>'}     -> optimizer

The teacher never sees labels and never runs its loss path. Validation and testing run the
student only, so the upstream metrics (mIoU, accuracy, depth) describe the student.
Checkpoints hold the student and the trainable distillation modules (connectors, losses), never
the frozen teacher.
"""
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union

import torch
from mmengine.model import BaseModel
from torch import Tensor, nn

from mmkd.models.build import build_model, resolve_model_cfg
from mmkd.models.frozen import (FrozenModelsMixin, freeze, load_weights_or_warn,
                                merge_data_preprocessor)
from mmkd.models.losses.utils import labels_from_data_samples
from mmkd.registry import MODELS
from mmkd.taps import FeatureTaps
from mmkd.utils.errors import ConfigError, check_known_kwargs, did_you_mean

TapConfig = Union[str, Mapping[str, str]]


@dataclass
class LossSpec:
    """One distillation loss: which taps it reads and what it applies to them."""
    name: str
    taps: Dict[str, str]  # role ('student', 'teacher', ...) -> tap name


def _num_classes(model: nn.Module) -> Optional[int]:
    for head_name in ('decode_head', 'head'):
        head = getattr(model, head_name, None)
        if head is not None and isinstance(getattr(head, 'num_classes', None), int):
            return head.num_classes
    return None


def _normalisation(model_cfg: Mapping[str, Any]) -> Tuple:
    pre = model_cfg.get('data_preprocessor') or {}
    return (tuple(pre.get('mean') or ()), tuple(pre.get('std') or ()),
            bool(pre.get('bgr_to_rgb', pre.get('to_rgb', False))))


@MODELS.register_module()
class Distiller(FrozenModelsMixin, BaseModel):
    """Distils a frozen teacher into a student through flat, tap-addressed losses.

    Args:
        student: the student's model config: an inline dict, or ``dict(cfg_path='mmseg::...')``
            plus overrides. Any mmpretrain ``ImageClassifier`` or mmseg ``EncoderDecoder`` /
            ``DepthEstimator`` works.
        teacher: the teacher's model config, same forms.
        teacher_ckpt: the teacher's trained weights (an ordinary mmseg/mmpretrain checkpoint,
            or an mmkd distiller checkpoint, whose student is used). ``None`` leaves the teacher
            randomly initialised, which is only useful for tests and is logged as a warning.
        teachers: several teachers instead of ``teacher``/``teacher_ckpt``:
            ``dict(<name>=dict(model=<config>, ckpt=<path>), ...)``. A loss then reads its
            ``teacher`` tap from every teacher, applies its ``teacher_transform`` to each
            (per-teacher masks) and combines them (``teacher_combine``).
        taps: tap name -> module path for all models, or -> ``dict(student=..., teacher=...)``
            when the paths differ (with several teachers, a teacher's name overrides
            ``teacher`` for that one).
        losses: loss name -> ``dict(type=..., student=<tap>, teacher=<tap>, connector=None,
            teacher_transform=None, teacher_combine='mean', **loss_args)``. ``connector`` maps
            the student tensor onto the teacher's shape; ``teacher_transform`` changes the target
            tensor before the loss (e.g. SFKD's top-K mask). With several teachers,
            ``teacher_combine='mean'`` averages the transformed teacher tensors into one target,
            ``'mean_loss'`` averages the loss against each. Logged as ``distill.loss_<name>``.
        student_loss_weight: factor on the student's own task losses (0 disables them).
        data_preprocessor: settings merged into the student's data preprocessor, which the
            distiller uses for both models (the teacher sees the student's batch), so student and
            teacher must normalise images alike.
    """

    #: the roles a loss may read taps from; subclasses add their own (e.g. SDKD's proxy)
    tap_roles: Tuple[str, ...] = ('student', 'teacher')
    frozen_modules = ('teachers',)

    def __init__(self,
                 student: Mapping[str, Any],
                 teacher: Optional[Mapping[str, Any]] = None,
                 teacher_ckpt: Optional[str] = None,
                 teachers: Optional[Mapping[str, Mapping[str, Any]]] = None,
                 taps: Optional[Mapping[str, TapConfig]] = None,
                 losses: Optional[Mapping[str, Mapping[str, Any]]] = None,
                 student_loss_weight: float = 1.0,
                 data_preprocessor: Optional[Mapping[str, Any]] = None,
                 init_cfg: Optional[Mapping[str, Any]] = None,
                 **unknown: Any) -> None:
        self.reject_unknown_keys(unknown)
        teacher_specs = _teacher_specs(teacher, teacher_ckpt, teachers)
        student_cfg = merge_data_preprocessor(resolve_model_cfg(student), data_preprocessor)
        s_norm = _normalisation(student_cfg)
        for name, (teacher_cfg, _) in teacher_specs.items():
            t_norm = _normalisation(teacher_cfg)
            if s_norm[0] and t_norm[0] and s_norm != t_norm:
                raise ConfigError(
                    f'student and {name} normalise images differently (data_preprocessor mean/'
                    f'std/bgr_to_rgb: {s_norm} vs {t_norm}), but both see the same batch. '
                    'Give them the same data_preprocessor.')
        super().__init__(init_cfg=init_cfg)
        self.student = build_model(student_cfg)
        # One preprocessing for all: the teachers see exactly the student's batch.
        self.data_preprocessor = self.student.data_preprocessor
        self.teachers = nn.ModuleDict({name: build_model(cfg)
                                       for name, (cfg, _) in teacher_specs.items()})
        self._check_label_spaces()

        self.tap_paths = self._split_taps(taps or {})
        self.taps = {role: FeatureTaps(self._model_for_role(role), paths, role)
                     for role, paths in self.tap_paths.items()
                     if role in self.tap_roles and role != 'teacher' and role not in self.teachers}
        self.teacher_taps = {name: FeatureTaps(model, self._teacher_tap_paths(name),
                                               'teacher' if len(self.teachers) == 1 else name)
                             for name, model in self.teachers.items()}
        if len(self.teachers) == 1:
            self.taps['teacher'] = next(iter(self.teacher_taps.values()))
        self.loss_specs: List[LossSpec] = []
        self.distill_losses = nn.ModuleDict()
        self.connectors = nn.ModuleDict()
        self.teacher_transforms = nn.ModuleDict()
        self.teacher_combine: Dict[str, str] = {}
        for name, cfg in (losses or {}).items():
            self._add_loss(name, dict(cfg))
        self.student_loss_weight = student_loss_weight

        # Checked after the taps and losses, so every config mistake is reported first.
        self.teacher_ckpt = teacher_ckpt
        for name, (_, ckpt) in teacher_specs.items():
            what = 'teacher' if len(teacher_specs) == 1 else f'teacher {name!r}'
            freeze(load_weights_or_warn(self.teachers[name], ckpt, what))
        self._predict_with: Optional[str] = None  # a teacher's name, or None: the student

    @property
    def teacher(self) -> nn.Module:
        """The teacher, for methods and tools that work with exactly one."""
        if len(self.teachers) != 1:
            raise ConfigError(f'{type(self).__name__} has {len(self.teachers)} teachers '
                              f'({", ".join(self.teachers)}); this needs exactly one.')
        return next(iter(self.teachers.values()))

    # ----------------------------------------------------------------------------- building
    def _model_for_role(self, role: str) -> nn.Module:
        """The network each tap role reads from ('teacher': the only teacher; subclasses map
        extra roles, e.g. SDKD's proxy)."""
        return self.student if role == 'student' else {'teacher': self.teacher}[role]

    def _split_taps(self, taps: Mapping[str, TapConfig]) -> Dict[str, Dict[str, str]]:
        """Tap paths per role: 'student', 'teacher' (every teacher) and, with several teachers,
        a teacher's name (its own path)."""
        roles = ['student', 'teacher'] + (list(self.teachers) if len(self.teachers) > 1 else [])
        per_role: Dict[str, Dict[str, str]] = {role: {} for role in roles}
        for name, where in taps.items():
            if isinstance(where, str):
                per_role['student'][name] = per_role['teacher'][name] = where
                continue
            extra = set(where) - set(roles)
            if extra:
                raise ConfigError(f'tap {name!r}: unknown role(s) {sorted(extra)}; give a module '
                                  f"path string or a dict with keys among {roles}.")
            for role, path in where.items():
                per_role[role][name] = path
        return per_role

    def _teacher_tap_paths(self, name: str) -> Dict[str, str]:
        return {**self.tap_paths['teacher'], **self.tap_paths.get(name, {})}

    def _add_loss(self, name: str, cfg: Dict[str, Any]) -> None:
        where = f'losses.{name}'
        tap_names = {role: cfg.pop(role) for role in self.tap_roles if role in cfg}
        if not tap_names:
            raise ConfigError(f"{where}: name the taps it reads, e.g. student='logits', "
                              "teacher='logits'.")
        for role, tap in tap_names.items():
            # every teacher must have a teacher tap; a role without taps of its own (SDKD's
            # proxy while building) reads the student's paths
            owners = (list(self.teacher_taps.values()) if role == 'teacher'
                      else [self.taps.get(role, self.taps['student'])])
            for taps in owners:
                if tap in taps:
                    continue
                known = sorted(taps.specs)
                raise ConfigError(f'{where}: {role}={tap!r} is not a tap.'
                                  f'{did_you_mean(tap, known)} Declared taps: {known}. '
                                  'Add it to `taps` or fix the name.')
        connector = cfg.pop('connector', None)
        teacher_transform = cfg.pop('teacher_transform', None)
        combine = cfg.pop('teacher_combine', 'mean')
        if combine not in ('mean', 'mean_loss'):
            raise ConfigError(f"{where}: teacher_combine must be 'mean' or 'mean_loss', got "
                              f'{combine!r}.')
        self.teacher_combine[name] = combine
        if 'type' not in cfg:
            raise ConfigError(f"{where}: missing `type`, e.g. type='mmkd.KLDivergence'.")
        loss_cls = MODELS.get(cfg['type']) if isinstance(cfg['type'], str) else cfg['type']
        if loss_cls is None:
            losses = [k for k in MODELS.module_dict]
            raise ConfigError(f'{where}: unknown type {cfg["type"]!r}.'
                              f'{did_you_mean(str(cfg["type"]).split(".")[-1], losses)}')
        params = {k: v for k, v in cfg.items() if k != 'type'}
        check_known_kwargs(loss_cls, params, where)
        self.distill_losses[name] = loss_cls(**params)
        if connector is not None:
            self.connectors[name] = MODELS.build(connector)
        if teacher_transform is not None:
            self.teacher_transforms[name] = MODELS.build(teacher_transform)
            check = getattr(self.distill_losses[name], 'check_teacher_transform', None)
            if check is not None:
                try:
                    check(self.teacher_transforms[name])
                except ValueError as err:
                    raise ConfigError(f'{where}: {err}') from None
        self.loss_specs.append(LossSpec(name, tap_names))

    def _check_label_spaces(self) -> None:
        s = _num_classes(self.student)
        for name, teacher in self.teachers.items():
            t = _num_classes(teacher)
            who = 'the teacher' if len(self.teachers) == 1 else f'teacher {name!r}'
            if s is not None and t is not None and s != t:
                raise ConfigError(
                    f'student predicts {s} classes but {who} {t}: they must share the label '
                    'space for logit distillation. Set the same num_classes in both heads (and '
                    'train the teacher on the same dataset).')

    # -------------------------------------------------------------------- teacher handling
    def init_weights(self) -> None:
        """Initialise the student only: the teacher's weights come from its checkpoint."""
        if hasattr(self.student, 'init_weights'):
            self.student.init_weights()

    # ------------------------------------------------------------------------ forward modes
    def teacher_forward(self, inputs: Tensor) -> None:
        """Run each teacher just far enough to fill its taps (tensor mode, no grad, no labels)."""
        for name, taps in self.teacher_taps.items():
            if taps.specs:
                with torch.no_grad():
                    taps.run(self.teachers[name], inputs, mode='tensor')

    def forward(self, inputs: Tensor, data_samples: Optional[List[Any]] = None,
                mode: str = 'tensor') -> Any:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise ValueError(f'unknown mode {mode!r}: use loss, predict or tensor')

    def loss(self, inputs: Tensor, data_samples: List[Any]) -> Dict[str, Tensor]:
        with self.taps['student'].recording():
            student_losses = self.student.loss(inputs, data_samples)
        self.teacher_forward(inputs)
        losses = weighted_losses(student_losses, 'student', self.student_loss_weight)
        losses.update(self.extra_passes(inputs, data_samples))
        losses.update(self.distill_terms(data_samples))
        for taps in [*self.taps.values(), *self.teacher_taps.values()]:
            taps.clear()
        return losses

    def extra_passes(self, inputs: Tensor, data_samples: List[Any]) -> Dict[str, Tensor]:
        """Forwards a method adds after the teacher's and before the distillation terms (SDKD's
        proxy teacher); their logged values. None in plain distillation."""
        return {}

    def read_tap(self, role: str, tap: str) -> Tensor:
        return self.taps[role][tap]

    def distill_terms(self, data_samples: Optional[List[Any]] = None) -> Dict[str, Tensor]:
        """Every configured distillation loss, read from the recorded taps."""
        terms = {}
        for spec in self.loss_specs:
            student = self.read_tap('student', spec.taps['student'])
            teachers = [taps[spec.taps['teacher']].detach() for taps in self.teacher_taps.values()]
            if len(teachers) == 1:
                loss = self.apply_loss(spec.name, student, teachers[0], data_samples)
            elif self.teacher_combine[spec.name] == 'mean_loss':
                loss = sum(self.apply_loss(spec.name, student, t, data_samples)
                           for t in teachers) / len(teachers)
            else:  # per-teacher transform (e.g. mask), then the mean as one target
                transform = self.teacher_transforms[spec.name] \
                    if spec.name in self.teacher_transforms else (lambda t: t)
                target = torch.stack([transform(t) for t in teachers]).mean(dim=0)
                loss = self.apply_loss(spec.name, student, target, data_samples, transform=False)
            terms[f'distill.loss_{spec.name}'] = loss
        return terms

    def apply_loss(self, name: str, student: Tensor, target: Tensor,
                   data_samples: Optional[List[Any]] = None, transform: bool = True) -> Tensor:
        """Transform the target (e.g. a salient-value mask), project the student tap with the
        loss's connector, check shapes, apply the loss."""
        if transform and name in self.teacher_transforms:
            target = self.teacher_transforms[name](target)
        if name in self.connectors:
            student = self.connectors[name](student, target)
        loss = self.distill_losses[name]
        channel_free = not getattr(loss, 'compares_channels', True)
        if not _shapes_fit(student, target, channel_free):
            raise ConfigError(_shape_mismatch_message(name, student, target, channel_free))
        if getattr(loss, 'needs_labels', False):  # e.g. DKD: the ground-truth class
            if data_samples is None:
                raise ConfigError(f'losses.{name}: {type(loss).__name__} needs the labels, '
                                  'which this distiller step does not provide.')
            labels = labels_from_data_samples(data_samples).to(student.device)
            return loss(student, target, labels=labels)
        return loss(student, target)

    def predict(self, inputs: Tensor, data_samples: Optional[List[Any]] = None) -> List[Any]:
        model = self.student if self._predict_with is None else self.teachers[self._predict_with]
        return model.predict(inputs, data_samples)

    def _forward(self, inputs: Tensor, data_samples: Optional[List[Any]] = None) -> Any:
        return self.student(inputs, data_samples, mode='tensor')

    @contextmanager
    def predicting_with_teacher(self, name: Optional[str] = None) -> Iterator[None]:
        """Make ``predict`` (hence val/test steps) use a teacher (by name when there are several),
        e.g. for a reference score."""
        if name is None:
            self.teacher  # noqa: B018  (a clear error when there are several)
            name = next(iter(self.teachers))
        self._predict_with = name
        try:
            yield
        finally:
            self._predict_with = None


def weighted_losses(losses: Dict[str, Tensor], prefix: str,
                    weight: float) -> Dict[str, Tensor]:
    """A model's loss dict under ``prefix.``, its ``loss`` terms scaled by ``weight``
    (accuracies and other logged values unchanged)."""
    return {f'{prefix}.{k}': (v * weight if 'loss' in k else v) for k, v in losses.items()}


def _teacher_specs(teacher: Optional[Mapping[str, Any]], teacher_ckpt: Optional[str],
                   teachers: Optional[Mapping[str, Mapping[str, Any]]]
                   ) -> Dict[str, Tuple[Dict[str, Any], Optional[str]]]:
    """name -> (resolved model config, checkpoint) from ``teacher`` or ``teachers``."""
    if (teacher is None) == (teachers is None):
        raise ConfigError('give the teacher as teacher=<model config> (+ teacher_ckpt) or several '
                          'as teachers=dict(<name>=dict(model=..., ckpt=...)), not both or none.')
    if teacher is not None:
        return {'teacher': (resolve_model_cfg(teacher), teacher_ckpt)}
    if teacher_ckpt is not None:
        raise ConfigError('teacher_ckpt belongs to teacher=; with teachers=, give each its ckpt.')
    if not teachers:
        raise ConfigError('teachers=dict(...) is empty.')
    specs = {}
    for name, spec in teachers.items():
        if not isinstance(spec, Mapping) or 'model' not in spec or set(spec) - {'model', 'ckpt'}:
            raise ConfigError(f'teachers.{name}: give dict(model=<model config>, ckpt=<path>), '
                              f'got keys {sorted(spec) if isinstance(spec, Mapping) else spec}.')
        if name in ('student', 'teacher') or not name.isidentifier():
            raise ConfigError(f'teachers.{name}: pick another name (an identifier other than '
                              "'student' and 'teacher').")
        specs[name] = (resolve_model_cfg(spec['model']), spec.get('ckpt'))
    return specs


def _shapes_fit(student: Tensor, teacher: Tensor, channel_free: bool) -> bool:
    """Equal shapes; a loss that compares channel-free maps (AT: ``compares_channels = False``)
    needs only the batch and spatial sizes to agree."""
    if not channel_free:
        return student.shape == teacher.shape
    return (student.dim() == teacher.dim() >= 3 and student.shape[0] == teacher.shape[0]
            and student.shape[2:] == teacher.shape[2:])


def _shape_mismatch_message(name: str, student: Tensor, teacher: Tensor,
                            channel_free: bool = False) -> str:
    s, t = tuple(student.shape), tuple(teacher.shape)
    what = 'batch or spatial size of ' if channel_free else ''
    msg = f'losses.{name}: the {what}student tensor {s} does not match the teacher tensor {t}. '
    if not channel_free and len(s) == len(t) and len(s) >= 2 and s[1] != t[1]:
        return msg + (f"Add connector=dict(type='mmkd.ConvConnector', in_channels={s[1]}, "
                      f'out_channels={t[1]}) to this loss.')
    if len(s) == len(t) and len(s) > 2:
        return msg + "Add connector=dict(type='mmkd.ResizeConnector') to this loss."
    return msg + 'Tap tensors of the same kind in both models.'
