"""SDKD: Student-Driven Knowledge Distillation (ICME 2025; no public code).

A *proxy teacher* is the student network, on the student's weights, whose feature at one stage
(the ``fusion`` tap) is replaced by a Feature Fusion Block (FFB) output that fuses the teacher's
feature with the proxy's own; the proxy then runs the rest of the student network from it. With
z logits (p proxy, t teacher, s student), f features at the fusion stage, L labels::

    L_PT = L_CE(z_p, L) + L_KL(z_p, z_t) + L_L1(f_p, f_s) + lambda * L_KL(z_p, z_s)   (FFB only)
    L_S  = L_CE(z_s, L) + L_KL(z_s, z_t) + k * [L_L1(f_s, f_p) + L_KL(z_s, z_p)]    (student only)

One training step: the student's own loss pass (student taps recording), the teacher (no grad),
then the proxy pass: ``torch.func.functional_call`` of the student on *detached* parameters and
*cloned* buffers, in loss mode, with a forward hook replacing the fusion module's output by
``ffb(proxy feature, teacher feature)``. Up to the fusion module the proxy computes exactly what
the student's pass has just computed (same weights, same input; train-mode BN normalises with the
same batch's statistics), so by default (``proxy_pass='from_fusion'``) the fusion module and the
modules before it replay the student pass's outputs (detached, :class:`~mmkd.replay.PrefixReplay`)
and the proxy computes only the FFB and the student's tail after it, forward and backward.
Losses, gradients and BN statistics equal the full pass's (tested); ``proxy_pass='full'`` runs
the whole network again (dropout before the fusion stage then draws its own mask). Hence:

* L_PT reaches only the FFB: the proxy's student weights are detached tensors, so no gradient
  reaches the student's parameters; every target of L_PT (z_t, z_s, f_s) is detached;
* L_S reaches only the student: z_p and f_p are detached targets;
* the proxy pass updates the cloned BN buffers, never the student's running statistics;
* L_CE(z_p, L) is the student's own loss path run on the proxy (``student.loss`` through
  ``functional_call``): ``head.loss`` (mmpretrain), ``decode_head`` + auxiliary heads (mmseg
  segmentation and depth), whatever the student's task is, without per-head code.

So one optimizer over student and FFB is correct (``paramwise_cfg=dict(custom_keys={'ffb':
dict(lr_mult=...)})`` gives the FFB its own learning rate). ``k`` is a buffer (checkpointed,
restored on resume), switched by :class:`SDKDPhaseHook`. Logged keys: ``student.<task losses>``,
``distill.loss_kd``, ``distill.loss_kd_proxy``, ``distill.loss_feat_proxy`` (L_S);
``proxy.<task losses>``, ``proxy.loss_kd_teacher``, ``proxy.loss_feat_student``,
``proxy.loss_kd_student`` (L_PT); ``sdkd.k``.
"""

import copy
import inspect
from contextlib import nullcontext
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import torch
from torch import Tensor, nn
from torch.func import functional_call

from mmkd.models.frozen import loss_class
from mmkd.registry import MODELS
from mmkd.replay import PrefixReplay
from mmkd.taps import FeatureTaps
from mmkd.utils.errors import ConfigError

from .base import Distiller, weighted_losses

# loss name: (logged key, trained role, target role, tap); each becomes a DistillTerm. The PHASED
# terms are scaled by the buffer k; `proxy_kd_student` is weighted by lambda_, the others by
# `weights`.
TERMS = {
    'kd': ('distill.loss_kd', 'student', 'teacher', 'logits'),
    'kd_proxy': ('distill.loss_kd_proxy', 'student', 'proxy', 'logits'),
    'feat_proxy': ('distill.loss_feat_proxy', 'student', 'proxy', 'fusion'),
    'proxy_kd_teacher': ('proxy.loss_kd_teacher', 'proxy', 'teacher', 'logits'),
    'proxy_feat_student': ('proxy.loss_feat_student', 'proxy', 'student', 'fusion'),
    'proxy_kd_student': ('proxy.loss_kd_student', 'proxy', 'student', 'logits'),
}
PHASED = ('kd_proxy', 'feat_proxy')
DEFAULT_WEIGHTS = dict(
    kd=1.0,
    kd_proxy=1.0,
    feat_proxy=1.0,
    proxy_task=1.0,
    proxy_kd_teacher=1.0,
    proxy_feat_student=1.0,
)
PROBE_SIZE = 64  # input side of the build-time forward that finds the fusion channels
PROXY_PASSES = ('from_fusion', 'full')


def _accepts(cls: type, name: str) -> bool:
    return name in inspect.signature(cls.__init__).parameters


@MODELS.register_module()
class SDKD(Distiller):
    """Student-Driven KD: a student, a frozen teacher and an FFB-built proxy teacher.

    Args:
        student, teacher, teacher_ckpt, student_loss_weight, data_preprocessor: as
            :class:`Distiller`.
        taps: must name ``logits``: the class logits (``head.fc``, ``decode_head.conv_seg``) or,
            for depth, the depth map (``decode_head.depth_act``). ``fusion`` is reserved.
        fusion: the fusion stage, ``dict(student=<module path>, teacher=<module path>)`` or one
            path for both; tap paths (``backbone.layer2``, ``backbone[1]``) of conv features.
        ffb: :class:`~mmkd.models.fusion.FeatureFusionBlock` arguments; ``student_channels`` and
            ``teacher_channels`` are found by a small build-time forward when omitted.
        tau: temperature given to the response loss when it takes one (KL). Default 4.
        lambda_: weight of L_KL(z_p, z_s) in L_PT. Default 1.
        k: initial k (weight of the proxy terms in L_S), 0 by default; SDKDPhaseHook sets it.
        response_loss: the L_KL of every term: ``dict(type='mmkd.KLDivergence')`` (default), or
            ``dict(type='mmkd.DepthResponseLoss', mode='silog' | 'l1')`` for depth.
        feature_loss: the L_L1 between f_s and f_p, ``dict(type='mmkd.L1Feature')`` by default.
        weights: overrides of ``DEFAULT_WEIGHTS`` (all 1): ``kd``, ``kd_proxy``, ``feat_proxy``
            (L_S), ``proxy_task``, ``proxy_kd_teacher``, ``proxy_feat_student`` (L_PT).
        teacher_transform: applied to the teacher's logits in the two terms that read them
            (``kd`` and ``proxy_kd_teacher``), e.g. SFKD's ``dict(type='mmkd.TopKMask',
            ratio=0.6)``; the proxy and student targets stay whole.
        losses: extra plain student/teacher losses, as in :class:`Distiller` (optional).
        proxy_pass: ``'from_fusion'`` (default): the proxy starts from the student pass's
            recorded output of the fusion module; ``'full'``: it runs the whole network.
    """

    tap_roles = ('student', 'teacher', 'proxy')

    def __init__(
        self,
        student: Mapping[str, Any],
        teacher: Optional[Mapping[str, Any]] = None,
        fusion: Union[str, Mapping[str, str], None] = None,
        ffb: Optional[Mapping[str, Any]] = None,
        tau: float = 4.0,
        lambda_: float = 1.0,
        k: float = 0.0,
        response_loss: Optional[Mapping[str, Any]] = None,
        feature_loss: Optional[Mapping[str, Any]] = None,
        weights: Optional[Mapping[str, float]] = None,
        teacher_transform: Optional[Mapping[str, Any]] = None,
        taps: Optional[Mapping[str, Any]] = None,
        losses: Optional[Mapping[str, Mapping[str, Any]]] = None,
        proxy_pass: str = 'from_fusion',
        **kwargs: Any,
    ) -> None:
        if proxy_pass not in PROXY_PASSES:
            raise ConfigError(
                f'SDKD: proxy_pass must be one of {PROXY_PASSES}, got {proxy_pass!r}.'
            )
        taps = dict(taps or {})
        if 'logits' not in taps:
            raise ConfigError(
                "SDKD: name the logits tap, e.g. taps=dict(logits='head.fc') (classification), "
                "'decode_head.conv_seg' (segmentation) or 'decode_head.depth_act' (depth)."
            )
        if 'fusion' in taps:
            raise ConfigError(
                "SDKD: the tap name 'fusion' is reserved; give the fusion stage as "
                "fusion=dict(student='backbone.layer2', teacher='backbone.layer2')."
            )
        if isinstance(fusion, str):
            fusion = dict(student=fusion, teacher=fusion)
        if not isinstance(fusion, Mapping) or set(fusion) != {'student', 'teacher'}:
            raise ConfigError(
                "SDKD: `fusion` must be dict(student='<module path>', "
                f"teacher='<module path>') (or one path for both), got {fusion!r}."
            )
        clash = sorted(set(losses or {}) & set(TERMS))
        if clash:
            raise ConfigError(
                f'SDKD: losses {clash} are SDKD terms; configure them through '
                '`weights`, `response_loss` and `feature_loss`.'
            )
        unknown = sorted(set(weights or {}) - set(DEFAULT_WEIGHTS))
        if unknown:
            raise ConfigError(
                f'SDKD: unknown weights {unknown}; known: {sorted(DEFAULT_WEIGHTS)}'
                ' (the weight of proxy.loss_kd_student is lambda_).'
            )
        taps['fusion'] = dict(fusion)
        super().__init__(student, teacher, taps=taps, losses=losses, **kwargs)
        if len(self.teachers) != 1:
            raise ConfigError(
                'SDKD fuses one teacher into the proxy: give teacher=, not '
                f'{len(self.teachers)} teachers.'
            )

        self.tap_paths['proxy'] = dict(self.tap_paths['student'])
        self.taps['proxy'] = FeatureTaps(
            self._model_for_role('proxy'), self.tap_paths['proxy'], 'proxy'
        )
        self.weights = {**DEFAULT_WEIGHTS, **(weights or {})}
        self.lambda_ = float(lambda_)
        self.tau = float(tau)
        response = dict(response_loss or dict(type='mmkd.KLDivergence'))
        feature = dict(feature_loss or dict(type='mmkd.L1Feature'))
        for name, (key, trained, target, tap) in TERMS.items():
            cfg = dict(feature if tap == 'fusion' else response)
            if tap == 'logits' and _accepts(loss_class(cfg, f'SDKD losses.{name}'), 'tau'):
                cfg.setdefault('tau', self.tau)
            weight = self.lambda_ if name == 'proxy_kd_student' else self.weights[name]
            # the old name `weight` stays as given (the loss logs its deprecation line)
            weight_key = 'weight' if 'weight' in cfg else 'loss_weight'
            cfg[weight_key] = float(cfg.get(weight_key, 1.0)) * weight
            if target == 'teacher' and teacher_transform is not None:
                cfg['teacher_transform'] = copy.deepcopy(dict(teacher_transform))
            self._add_loss(
                name,
                dict(cfg, **{trained: tap, target: tap}),
                trained=trained,
                target=target,
                key=key,
                scale='k' if name in PHASED else None,
            )

        ffb_cfg = dict(ffb or {})
        if 'student_channels' not in ffb_cfg or 'teacher_channels' not in ffb_cfg:
            s, t = self._fusion_channels()
            ffb_cfg.setdefault('student_channels', s)
            ffb_cfg.setdefault('teacher_channels', t)
        ffb_cfg.setdefault('type', 'mmkd.FeatureFusionBlock')
        self.ffb = MODELS.build(ffb_cfg)
        self.register_buffer('k', torch.tensor(float(k)))
        self.proxy_pass = proxy_pass
        # replays the student's pass up to and including the fusion module (an indexed tap,
        # `backbone[3]`, fuses one item of the whole module's output: the module is replayed)
        self.student_prefix = PrefixReplay(
            self.student, self.tap_paths['proxy']['fusion'].split('[')[0], inclusive=True
        )

    # ----------------------------------------------------------------------------- building
    def _model_for_role(self, role: str) -> nn.Module:
        return self.student if role == 'proxy' else super()._model_for_role(role)

    def _fusion_channels(self) -> Tuple[int, int]:
        """Channels of the student and teacher fusion features, from a tiny eval-mode forward."""
        channels = []
        for role in ('student', 'teacher'):
            model = self._model_for_role(role)
            taps = FeatureTaps(model, {'fusion': self.tap_paths[role]['fusion']}, role)
            was_training = model.training
            model.eval()
            try:
                with torch.no_grad():
                    taps.run(model, torch.zeros(1, 3, PROBE_SIZE, PROBE_SIZE), mode='tensor')
            except Exception as err:
                raise ConfigError(
                    f'SDKD: could not find the {role} fusion channels with a '
                    f'{PROBE_SIZE}x{PROBE_SIZE} forward ({err}); set ffb.student_channels and '
                    'ffb.teacher_channels.'
                ) from err
            finally:
                model.train(was_training)
            feat = taps['fusion']
            if not isinstance(feat, Tensor) or feat.dim() != 4:
                raise ConfigError(
                    f'SDKD: the {role} fusion tap {taps.specs["fusion"]} must be a '
                    f'(N, C, H, W) feature, got {getattr(feat, "shape", feat)}.'
                )
            channels.append(feat.shape[1])
        return channels[0], channels[1]

    # --------------------------------------------------------------------------- training
    def loss(self, inputs: Tensor, data_samples: List[Any]) -> Dict[str, Tensor]:
        """The distiller's step; with ``proxy_pass='from_fusion'`` the student's pass is
        recorded up to the fusion module, for the proxy to start from there."""
        if self.proxy_pass == 'full':
            return super().loss(inputs, data_samples)
        with self.student_prefix.recording():
            return super().loss(inputs, data_samples)

    def extra_passes(self, inputs: Tensor, data_samples: List[Any]) -> Dict[str, Tensor]:
        """The proxy teacher's pass: its task losses (part of L_PT) and the current k."""
        proxy_losses = self.proxy_forward(inputs, data_samples)
        logged = weighted_losses(proxy_losses, 'proxy', self.weights['proxy_task'])
        logged['sdkd.k'] = self.k.detach().clone()
        return logged

    def proxy_forward(self, inputs: Tensor, data_samples: List[Any]) -> Dict[str, Tensor]:
        """Run the proxy teacher: the student network on detached weights and cloned buffers,
        the fusion output replaced by the FFB's. Records the ``proxy`` taps (its ``fusion`` tap
        is f_p) and returns the student's task losses computed on the proxy's output. The
        teacher's taps must have been recorded. Inside :meth:`loss` with
        ``proxy_pass='from_fusion'`` the modules before the fusion stage replay the student
        pass; called on its own it runs the whole network."""
        teacher_feat = self.read_taps('teacher', 'fusion')[0].detach()  # SDKD has one teacher
        spec = self.taps['proxy'].specs['fusion']

        def fuse(module: nn.Module, args: Any, output: Any) -> Any:
            if spec.index is None:
                return self.ffb(output, teacher_feat)
            items = list(output)
            items[spec.index] = self.ffb(items[spec.index], teacher_feat)
            return tuple(items) if isinstance(output, tuple) else items

        params = {n: p.detach() for n, p in self.student.named_parameters()}
        buffers = {n: b.clone() for n, b in self.student.named_buffers()}
        # registered before the proxy taps, so the proxy's `fusion` tap records the fused feature
        handle = self.student.get_submodule(spec.path).register_forward_hook(fuse)
        replay = self.student_prefix.replaying() if self.student_prefix.complete else nullcontext()
        try:
            with self.taps['proxy'].recording(), replay:
                return functional_call(
                    self.student, (params, buffers), (inputs, data_samples), dict(mode='loss')
                )
        finally:
            handle.remove()
