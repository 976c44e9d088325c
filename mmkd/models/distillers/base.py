"""The distiller core: a student, a frozen teacher, feature taps and flat distillation losses.

One training step, as data::

    inputs -> student.loss() with the student taps recording      (the student's own task loss)
           -> teacher forward in tensor mode, no_grad, eval mode    (stops once its taps fired)
           -> each term (one per configured loss, ``Distiller.terms``) reads its student tap
              and every teacher's tap: teacher transform, combine, connector, loss
           -> {'student.<task losses>', 'distill.loss_<name>'}     -> optimizer

The teacher never sees labels and never runs its loss path. Validation and testing run the
student only, so the upstream metrics (mIoU, accuracy, depth) describe the student.
Checkpoints hold the student and the trainable distillation modules (the terms' connectors and
losses, ``terms.<name>.connector.*``), never the frozen teacher. Checkpoints written before the
terms (``connectors.<name>.*``) load through a renaming pre-hook.
"""

from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

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
    release_weights,
)
from mmkd.models.teacher_cache import TeacherCache, build_teacher_cache
from mmkd.registry import MODELS
from mmkd.taps import FeatureTaps
from mmkd.utils.errors import ConfigError, did_you_mean

from .teacher_speed import TeacherSpeed
from .term import DistillTerm, legacy_term_keys

TapConfig = Union[str, Mapping[str, str]]


def _num_classes(model: nn.Module) -> Optional[int]:
    for head_name in ('decode_head', 'head'):
        head = getattr(model, head_name, None)
        if head is not None and isinstance(getattr(head, 'num_classes', None), int):
            return head.num_classes
    return None


class _ReleaseAfterBuild(type(BaseModel)):
    """Runs :meth:`Distiller.release_teachers_if_asked` once the whole distiller is built, a
    subclass's ``__init__`` included (SDKD's channel probe and DSKD's classifier read the teacher
    while building): no subclass has to remember the call."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        model = super().__call__(*args, **kwargs)
        model.release_teachers_if_asked()
        return model


@MODELS.register_module()
class Distiller(FrozenModelsMixin, BaseModel, metaclass=_ReleaseAfterBuild):
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
            Each loss becomes one :class:`DistillTerm` in ``self.terms``.
        student_loss_weight: factor on the student's own task losses (0 disables them).
        data_preprocessor: settings merged into the student's data preprocessor, which the
            distiller uses for both models (the teacher sees the student's batch), so student and
            teacher must normalise images alike.
        teacher_speed: ``dict(inference_mode=False, channels_last=False, autocast=None)``:
            speed switches of the teacher's forward (:mod:`.teacher_speed`), all off by default.
        teacher_cache: read the teacher taps from a teacher-output cache instead of running the
            teachers: ``dict(dir=..., mode='exact' | 'geometric', dtype=None, topk=None,
            writable=True, release_teacher=False)``; see :mod:`mmkd.models.teacher_cache` and
            docs/teacher_cache.md. ``release_teacher=True`` frees the teachers' weights once the
            cache has fingerprinted them (:meth:`release_teachers_if_asked`).
    """

    #: the roles a loss may read taps from; subclasses add their own (e.g. SDKD's proxy)
    tap_roles: Tuple[str, ...] = ('student', 'teacher')
    frozen_modules = ('teachers',)

    def __init__(
        self,
        student: Mapping[str, Any],
        teacher: Optional[Mapping[str, Any]] = None,
        teacher_ckpt: Optional[str] = None,
        teachers: Optional[Mapping[str, Mapping[str, Any]]] = None,
        taps: Optional[Mapping[str, TapConfig]] = None,
        losses: Optional[Mapping[str, Mapping[str, Any]]] = None,
        student_loss_weight: float = 1.0,
        data_preprocessor: Optional[Mapping[str, Any]] = None,
        teacher_speed: Optional[Mapping[str, Any]] = None,
        teacher_cache: Optional[Mapping[str, Any]] = None,
        init_cfg: Optional[Mapping[str, Any]] = None,
        **unknown: Any,
    ) -> None:
        self.reject_unknown_keys(unknown)
        speed = TeacherSpeed.from_config(teacher_speed)
        teacher_specs = _teacher_specs(teacher, teacher_ckpt, teachers)
        student_cfg = merge_data_preprocessor(resolve_model_cfg(student), data_preprocessor)
        for name, (teacher_cfg, _) in teacher_specs.items():
            check_same_normalisation(student_cfg, teacher_cfg, 'student', name)
        super().__init__(init_cfg=init_cfg)
        self.student = build_model(student_cfg)
        # One preprocessing for all: the teachers see exactly the student's batch.
        self.data_preprocessor = self.student.data_preprocessor
        self.teachers = nn.ModuleDict(
            {name: build_model(cfg) for name, (cfg, _) in teacher_specs.items()}
        )
        self._check_label_spaces()

        self.tap_paths = self._split_taps(taps or {})
        self.taps = {
            role: FeatureTaps(self._model_for_role(role), paths, role)
            for role, paths in self.tap_paths.items()
            if role in self.tap_roles and role != 'teacher' and role not in self.teachers
        }
        self.teacher_taps = {
            name: FeatureTaps(
                model, self._teacher_tap_paths(name), 'teacher' if len(self.teachers) == 1 else name
            )
            for name, model in self.teachers.items()
        }
        self.terms = nn.ModuleDict()  # loss name -> DistillTerm
        for name, cfg in (losses or {}).items():
            self._add_loss(name, dict(cfg))
        self._register_load_state_dict_pre_hook(_rename_legacy_term_keys)
        self.student_loss_weight = student_loss_weight

        # Checked after the taps and losses, so every config mistake is reported first.
        self.teacher_ckpt = teacher_ckpt
        for name, (_, ckpt) in teacher_specs.items():
            what = 'teacher' if len(teacher_specs) == 1 else f'teacher {name!r}'
            freeze(load_weights_or_warn(self.teachers[name], ckpt, what))
        self.teacher_cache: Optional[TeacherCache] = None
        if teacher_cache is not None:  # its fingerprint digests the weights as loaded
            taps = {name: dict(self._teacher_tap_paths(name)) for name in self.teachers}
            self.teacher_cache = build_teacher_cache(teacher_cache, self.teachers, taps)
        self.teacher_speed = speed
        speed.prepare(self.teachers)
        self._predict_with: Optional[str] = None  # a teacher's name, or None: the student
        self.teachers_released = False  # the teachers are released after the build

    @property
    def teacher(self) -> nn.Module:
        """The teacher, for methods and tools that work with exactly one."""
        if len(self.teachers) != 1:
            raise ConfigError(
                f'{type(self).__name__} has {len(self.teachers)} teachers '
                f'({", ".join(self.teachers)}); this needs exactly one.'
            )
        return next(iter(self.teachers.values()))

    # ----------------------------------------------------------------------------- building
    def _model_for_role(self, role: str) -> nn.Module:
        """The network each tap role reads from ('teacher': the only teacher; subclasses map
        extra roles, e.g. SDKD's proxy)."""
        return self.student if role == 'student' else {'teacher': self.teacher}[role]

    def _split_taps(self, taps: Mapping[str, TapConfig]) -> Dict[str, Dict[str, str]]:
        """Tap paths per role: 'student', 'teacher' (every teacher) and a teacher's name (its
        own path, overriding 'teacher')."""
        roles = list(dict.fromkeys(['student', 'teacher', *self.teachers]))
        per_role: Dict[str, Dict[str, str]] = {role: {} for role in roles}
        for name, where in taps.items():
            if isinstance(where, str):
                per_role['student'][name] = per_role['teacher'][name] = where
                continue
            extra = set(where) - set(roles)
            if extra:
                raise ConfigError(
                    f'tap {name!r}: unknown role(s) {sorted(extra)}; give a module '
                    f'path string or a dict with keys among {roles}.'
                )
            for role, path in where.items():
                per_role[role][name] = path
        return per_role

    def _teacher_tap_paths(self, name: str) -> Dict[str, str]:
        return {**self.tap_paths['teacher'], **self.tap_paths.get(name, {})}

    def _add_loss(
        self,
        name: str,
        cfg: Dict[str, Any],
        trained: str = 'student',
        target: str = 'teacher',
        key: Optional[str] = None,
        scale: Optional[str] = None,
    ) -> None:
        """Build the term of one loss config: the ``trained`` and ``target`` roles name its
        taps (``student='logits', teacher='logits'``); see :class:`DistillTerm` for the rest."""
        where = f'losses.{name}'
        tap_names = {role: cfg.pop(role) for role in self.tap_roles if role in cfg}
        if not tap_names:
            raise ConfigError(
                f"{where}: name the taps it reads, e.g. student='logits', teacher='logits'."
            )
        if set(tap_names) != {trained, target}:
            raise ConfigError(
                f'{where}: give the taps of {trained}= and {target}= (the tensor '
                f'it trains and its target), got {sorted(tap_names)}.'
            )
        for role, tap in tap_names.items():
            # every teacher must have a teacher tap; a role without taps of its own (SDKD's
            # proxy while building) reads the student's paths
            owners = (
                list(self.teacher_taps.values())
                if role == 'teacher'
                else [self.taps.get(role, self.taps['student'])]
            )
            for taps in owners:
                if tap in taps:
                    continue
                known = sorted(taps.specs)
                raise ConfigError(
                    f'{where}: {role}={tap!r} is not a tap.'
                    f'{did_you_mean(tap, known)} Declared taps: {known}. '
                    'Add it to `taps` or fix the name.'
                )
        connector = cfg.pop('connector', None)
        teacher_transform = cfg.pop('teacher_transform', None)
        combine = cfg.pop('teacher_combine', 'mean')
        loss = build_loss(cfg, where)
        if connector is not None:
            connector = MODELS.build(connector)
        if teacher_transform is not None:
            teacher_transform = MODELS.build(teacher_transform)
        self.terms[name] = DistillTerm(
            name,
            loss,
            trained=(trained, tap_names[trained]),
            target=(target, tap_names[target]),
            connector=connector,
            teacher_transform=teacher_transform,
            combine=combine,
            key=key,
            scale=scale,
        )

    def _check_label_spaces(self) -> None:
        s = _num_classes(self.student)
        for name, teacher in self.teachers.items():
            t = _num_classes(teacher)
            who = 'the teacher' if len(self.teachers) == 1 else f'teacher {name!r}'
            if s is not None and t is not None and s != t:
                raise ConfigError(
                    f'student predicts {s} classes but {who} {t}: they must share the label '
                    'space for logit distillation. Set the same num_classes in both heads (and '
                    'train the teacher on the same dataset).'
                )

    # -------------------------------------------------------------------- teacher handling
    def init_weights(self) -> None:
        """Initialise the student only: the teacher's weights come from its checkpoint."""
        if hasattr(self.student, 'init_weights'):
            self.student.init_weights()

    # modules of the teachers that keep their weights when the teachers are released (DSKD's
    # classifier, which its guidance runs live): paths inside each teacher
    kept_teacher_modules: Sequence[str] = ()

    def release_teachers_if_asked(self) -> None:
        """With ``teacher_cache=dict(..., release_teacher=True)``, free every teacher's
        parameters and buffers but those of the modules in :attr:`kept_teacher_modules`: each
        teacher output then comes from the cache. Runs once the distiller is built (after the
        cache's fingerprint digested the weights and the subclass's build read the teacher)."""
        cache = self.teacher_cache
        if cache is None or not cache.release_teacher or self.teachers_released:
            return
        for teacher in self.teachers.values():
            release_weights(teacher, self.kept_teacher_modules)
        self.teachers_released = True

    # ------------------------------------------------------------------------ forward modes
    def teacher_forward(self, inputs: Tensor, data_samples: Optional[List[Any]] = None) -> None:
        """Run each teacher just far enough to fill its taps (tensor mode, no grad, no labels),
        with the ``teacher_speed`` switches, or fill them from the teacher cache when it holds
        this batch."""
        cache = self.teacher_cache
        if cache is not None and cache.fill(self.teacher_taps, inputs, data_samples):
            return
        speed = self.teacher_speed
        teacher_inputs = speed.inputs(inputs)
        for name, taps in self.teacher_taps.items():
            if taps.specs:
                with speed.forward_context(inputs.device.type):
                    taps.run(self.teachers[name], teacher_inputs, mode='tensor')
                if speed.changes_outputs:
                    taps.map_records(speed.output)
        if cache is not None:
            cache.store(self.teacher_taps, inputs)

    def forward(
        self, inputs: Tensor, data_samples: Optional[List[Any]] = None, mode: str = 'tensor'
    ) -> Any:
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
        self.teacher_forward(inputs, data_samples)
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

    def read_taps(self, role: str, tap: str) -> List[Tensor]:
        """A tap's recorded tensors, one per model playing ``role``: every teacher for
        'teacher', the one model otherwise (the student, SDKD's proxy)."""
        owners = self.teacher_taps.values() if role == 'teacher' else [self.taps[role]]
        return [taps[tap] for taps in owners]

    def distill_terms(self, data_samples: Optional[List[Any]] = None) -> Dict[str, Tensor]:
        """Every distillation term on the recorded taps, under its logged key (scaled by the
        attribute the term names, e.g. SDKD's k)."""
        logged = {}
        for term in self.terms.values():
            [trained] = self.read_taps(*term.trained)
            targets = [t.detach() for t in self.read_taps(*term.target)]
            loss = term(trained, targets, data_samples)
            logged[term.key] = loss if term.scale is None else loss * getattr(self, term.scale)
        return logged

    def predict(self, inputs: Tensor, data_samples: Optional[List[Any]] = None) -> List[Any]:
        model = self.student if self._predict_with is None else self.teachers[self._predict_with]
        return model.predict(inputs, data_samples)

    def _forward(self, inputs: Tensor, data_samples: Optional[List[Any]] = None) -> Any:
        return self.student(inputs, data_samples, mode='tensor')

    @contextmanager
    def predicting_with_teacher(self, name: Optional[str] = None) -> Iterator[None]:
        """Make ``predict`` (hence val/test steps) use a teacher (by name when there are several),
        e.g. for a reference score."""
        if self.teachers_released:
            raise ConfigError(
                'the teachers were released (teacher_cache.release_teacher=True): they cannot '
                'predict; drop release_teacher to evaluate a teacher.'
            )
        if name is None:
            self.teacher  # noqa: B018  (a clear error when there are several)
            name = next(iter(self.teachers))
        self._predict_with = name
        try:
            yield
        finally:
            self._predict_with = None


def weighted_losses(losses: Dict[str, Tensor], prefix: str, weight: float) -> Dict[str, Tensor]:
    """A model's loss dict under ``prefix.``, its ``loss`` terms scaled by ``weight``
    (accuracies and other logged values unchanged)."""
    return {f'{prefix}.{k}': (v * weight if 'loss' in k else v) for k, v in losses.items()}


def _teacher_specs(
    teacher: Optional[Mapping[str, Any]],
    teacher_ckpt: Optional[str],
    teachers: Optional[Mapping[str, Mapping[str, Any]]],
) -> Dict[str, Tuple[Dict[str, Any], Optional[str]]]:
    """name -> (resolved model config, checkpoint) from ``teacher`` or ``teachers``."""
    if (teacher is None) == (teachers is None):
        raise ConfigError(
            'give the teacher as teacher=<model config> (+ teacher_ckpt) or several '
            'as teachers=dict(<name>=dict(model=..., ckpt=...)), not both or none.'
        )
    if teacher is not None:
        return {'teacher': (resolve_model_cfg(teacher), teacher_ckpt)}
    if teacher_ckpt is not None:
        raise ConfigError('teacher_ckpt belongs to teacher=; with teachers=, give each its ckpt.')
    if not teachers:
        raise ConfigError('teachers=dict(...) is empty.')
    specs = {}
    for name, spec in teachers.items():
        if not isinstance(spec, Mapping) or 'model' not in spec or set(spec) - {'model', 'ckpt'}:
            raise ConfigError(
                f'teachers.{name}: give dict(model=<model config>, ckpt=<path>), '
                f'got keys {sorted(spec) if isinstance(spec, Mapping) else spec}.'
            )
        if name in ('student', 'teacher') or not name.isidentifier():
            raise ConfigError(
                f'teachers.{name}: pick another name (an identifier other than '
                "'student' and 'teacher')."
            )
        specs[name] = (resolve_model_cfg(spec['model']), spec.get('ckpt'))
    return specs


def _rename_legacy_term_keys(state_dict: Dict[str, Tensor], prefix: str, *args: Any) -> None:
    """Load checkpoints written before :class:`DistillTerm` (``connectors.<name>.*`` etc.)."""
    for old, new in legacy_term_keys(state_dict, prefix).items():
        state_dict[new] = state_dict.pop(old)
