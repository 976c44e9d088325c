"""DSKD: teacher-guided student self-distillation through a diffusion model (arXiv 2602.02107).

"Teacher-Guided Student Self-Knowledge Distillation Using Diffusion Model" (Wang, Yang, An et
al., 2026) publishes its abstract only; mmkd implements this reading of it. Where each piece
comes from (configs/dskd/README.md has the full table):

* **abstract**: a light diffusion model denoises the *student's own* feature; the frozen
  teacher's *classifier guides the sampling*; the denoised student feature acts as the teacher;
  an *LSH-guided feature distillation* pulls the student feature toward it;
* **DiffKD** (Huang et al., NeurIPS 2023): the denoiser (:class:`~mmkd.FeatureDenoiser`), the
  DDIM scheduler (T = 1000, linear betas 1e-4..0.02, eta 0, 5 steps from t = 400), sampling
  from the *noised student* feature, the 1x1 student-to-teacher projection, and the
  ``denoise_target='teacher'`` option (DiffKD trains its denoiser on teacher features);
* **LSHFM** (Wang, Ge, Wu, TPAMI 2021): :class:`~mmkd.LSHLoss` (a frozen random projection
  with the std of the teacher classifier's weights; BCE on the hash bits + MSE);
* **guided-diffusion** (Dhariwal & Nichol): ``eps <- eps - s * sqrt(1 - abar_t) * grad``;
* **mmkd's choice**: the guidance gradient is taken w.r.t. the predicted clean feature x0 (the
  teacher classifier was trained on clean features, not noisy ones); the denoiser learns the
  *student's* projected feature by default (the abstract: "same distribution as the student");
  the per-task teacher classifier and log-likelihood below; the LSH weight warm-up.

One training step::

    student.loss() with the student's `feature` tap recording          -> student.<task losses>
    teacher forward (no grad), only when a target or the guidance reads its `feature` tap
    projected = connector(f_s)                                          (teacher classifier space)
    diffusion: MSE(denoiser(add_noise(x0, n, t), t), n), x0 = projected.detach()
                                                                        -> dskd.loss_diffusion
    guided DDIM from add_noise(projected.detach(), n, t_start), no grad to any weight:
        eps = denoiser(x_t, t); x0 = predict_x0(x_t, eps, t)
        g = d/dx0 log p(y | teacher_head(x0)); eps <- guided_eps(eps, t, g, scale); step
    LSH term: LSHLoss(projected, denoised.detach()) * warm-up           -> distill.loss_lsh

``log p(y | .)`` per task (the teacher head is a module path of the frozen teacher):
classification: log-softmax of ``head.fc`` on the (pooled) feature at the label; segmentation:
per-pixel log-softmax of ``decode_head.conv_seg`` at the labels downsampled by nearest
neighbour, 255 ignored; depth: ``-(depth(x0) - gt)^2`` over valid pixels, with the head given as
``['decode_head.conv_seg', 'decode_head.depth_act']``. ``guide_with='teacher'`` replaces the label
by the teacher's own prediction on its feature (soft classes ``sum p_t log p``, or its depth).

Gradients: the denoiser only from the diffusion loss (its input is detached, the sampling runs
without grad), the student and connector only from the LSH term (+ the task loss), the teacher
never. Checkpoints hold the student, ``connector.*`` and ``denoiser.*``; the teacher (hence its
head), the LSH projection and the scheduler (a plain object) are never saved. With
``teacher_cache=dict(..., release_teacher=True)`` the teacher's weights are freed except its
classifier's (``teacher_head``), which the guidance runs live.
"""

from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from torch import Tensor, nn

from mmkd.models.diffusion.ddim import DDIMScheduler
from mmkd.models.heads.depth_head import DepthActivation
from mmkd.models.losses.utils import labels_from_data_samples
from mmkd.registry import MODELS
from mmkd.taps import FeatureTaps
from mmkd.utils.errors import ConfigError, did_you_mean

from .base import Distiller
from .term import _shape_mismatch_message

GUIDE_WITH = ('label', 'teacher')
DENOISE_TARGETS = ('student', 'teacher')
PROBE_SIZE = 64  # input side of the build-time forward that finds the student feature's shape


def _choice(name: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ConfigError(
            f'DSKD: {name} must be one of {list(allowed)}, got {value!r}.'
            f'{did_you_mean(str(value), list(allowed))}'
        )
    return value


@MODELS.register_module()
class DSKD(Distiller):
    """Teacher-guided diffusion self-distillation: the student learns its own denoised feature.

    Args:
        student, teacher, teacher_ckpt, student_loss_weight, data_preprocessor: as
            :class:`Distiller` (one teacher).
        taps: must name ``feature``: the student feature the teacher classifier would read,
            as one path or ``dict(student=..., teacher=...)``: ``'neck[-1]'`` (mmpretrain, pooled)
            or ``'decode_head.bottleneck'`` (mmseg PSP heads: the map entering ``conv_seg``).
        teacher_head: the frozen teacher classifier, a module path (``'head.fc'``,
            ``'decode_head.conv_seg'``) or a list of paths applied in order whose first is the
            ``nn.Linear`` / 1x1 ``nn.Conv2d`` (depth: ``['decode_head.conv_seg',
            'decode_head.depth_act']``). A Linear on a map sees the spatially pooled map.
        lsh: the LSH term, ``dict(type='mmkd.LSHLoss', loss_weight=..., bits=..., mse_weight=...,
            sample_pixels=..., connector=<connector config>)``; ``connector`` maps the student
            feature to the teacher classifier's channels (``mmkd.ConvConnector``, a linear
            layer on vectors). ``std`` is set from the teacher classifier's weights.
        denoiser: :class:`~mmkd.FeatureDenoiser` arguments (``channels`` is the classifier's).
        scheduler: :class:`~mmkd.models.diffusion.ddim.DDIMScheduler` arguments.
        t_start, steps: DDIM sampling from ``t_start`` in ``steps`` steps (400, 5).
        guidance_scale: the classifier-guidance scale s (1; 0 turns guidance off: the control).
        guide_with: ``'label'`` (ground truth) or ``'teacher'`` (the teacher's prediction).
        denoise_target: the denoiser's training data, ``'student'`` (the projected student
            feature) or ``'teacher'`` (the teacher feature, as DiffKD).
        diffusion_weight: factor on ``dskd.loss_diffusion``.
        lsh_warmup_iters: the LSH weight rises linearly over these iterations (read from
            MMEngine's MessageHub) while the denoiser learns; 0 disables it.
    """

    tap_roles = ('student', 'teacher', 'projected', 'denoised')

    def __init__(
        self,
        student: Mapping[str, Any],
        teacher: Optional[Mapping[str, Any]] = None,
        taps: Optional[Mapping[str, Any]] = None,
        teacher_head: Union[str, Sequence[str], None] = None,
        lsh: Optional[Mapping[str, Any]] = None,
        denoiser: Optional[Mapping[str, Any]] = None,
        scheduler: Optional[Mapping[str, Any]] = None,
        t_start: int = 400,
        steps: int = 5,
        guidance_scale: float = 1.0,
        guide_with: str = 'label',
        denoise_target: str = 'student',
        diffusion_weight: float = 1.0,
        lsh_warmup_iters: int = 200,
        losses: Optional[Mapping[str, Mapping[str, Any]]] = None,
        **kwargs: Any,
    ) -> None:
        taps = dict(taps or {})
        if 'feature' not in taps:
            raise ConfigError(
                'DSKD: name the feature tap the teacher classifier reads, e.g. '
                "taps=dict(feature='neck[-1]') (classification) or "
                "taps=dict(feature='decode_head.bottleneck') (segmentation, depth)."
            )
        if isinstance(teacher_head, str):
            teacher_head = [teacher_head]
        if not teacher_head or not all(isinstance(p, str) for p in teacher_head):
            raise ConfigError(
                "DSKD: give the teacher classifier as teacher_head='head.fc' (or "
                "'decode_head.conv_seg', or ['decode_head.conv_seg', 'decode_head.depth_act'] "
                f'for depth), got {teacher_head!r}.'
            )
        if 'lsh' in (losses or {}):
            raise ConfigError("DSKD: 'lsh' is DSKD's own term; configure it through `lsh`.")
        _choice('guide_with', guide_with, GUIDE_WITH)
        _choice('denoise_target', denoise_target, DENOISE_TARGETS)
        reads_teacher = guide_with == 'teacher' or denoise_target == 'teacher'
        if (kwargs.get('teacher_cache') or {}).get('release_teacher') and not reads_teacher:
            raise ConfigError(
                "DSKD: with guide_with='label' and denoise_target='student' the teacher's "
                'forward never runs (only its classifier), so a teacher cache holds nothing '
                "to release the teacher for: drop teacher_cache, or use guide_with='teacher' "
                "or denoise_target='teacher'."
            )
        super().__init__(student, teacher, taps=taps, losses=losses, **kwargs)
        if len(self.teachers) != 1:
            raise ConfigError('DSKD reads one teacher classifier: give teacher=, not teachers=.')
        self.guide_with, self.denoise_target = guide_with, denoise_target

        self.teacher_head_paths = list(teacher_head)
        layers = self._teacher_head_layers()
        head = layers[0]
        # depth: the head ends in the depth activation, and the guidance scores depths
        self.guides_depth = isinstance(layers[-1], DepthActivation)
        head_channels = self._check_head(head)
        lsh_cfg = dict(lsh or dict(type='mmkd.LSHLoss'))
        lsh_cfg.setdefault('type', 'mmkd.LSHLoss')
        connector_cfg = lsh_cfg.pop('connector', None)
        self.connector = MODELS.build(connector_cfg) if connector_cfg is not None else None
        self._check_projection(head_channels)
        lsh_cfg.setdefault('in_channels', head_channels)
        self._add_loss(
            'lsh',
            dict(lsh_cfg, projected='feature', denoised='feature'),
            trained='projected',
            target='denoised',
            scale='lsh_warmup',
        )
        self.terms['lsh'].loss.set_std(float(head.weight.detach().std()))

        self.denoiser = MODELS.build(
            dict(type='mmkd.FeatureDenoiser', **dict(denoiser or {}), channels=head_channels)
        )
        self.scheduler = DDIMScheduler(**dict(scheduler or {}))
        num_steps = len(self.scheduler.alphas_cumprod)
        if not 0 <= t_start < num_steps or steps < 1:
            raise ConfigError(
                f'DSKD: need 0 <= t_start < {num_steps} (the scheduler steps) and steps >= 1, '
                f'got t_start={t_start}, steps={steps}.'
            )
        self.t_start, self.steps = int(t_start), int(steps)
        self.guidance_scale = float(guidance_scale)
        self.diffusion_weight = float(diffusion_weight)
        self.lsh_warmup_iters = int(lsh_warmup_iters)
        self._derived: Dict[str, Tensor] = {}  # 'projected' / 'denoised' of the current step

    @property
    def kept_teacher_modules(self) -> List[str]:
        """The guidance runs the teacher classifier live: it keeps its weights when the
        teachers are released."""
        return self.teacher_head_paths

    # ----------------------------------------------------------------------------- building
    def _teacher_head_layers(self) -> List[nn.Module]:
        """The frozen teacher classifier's modules (looked up, never registered on the DSKD:
        they belong to the teacher and are not saved)."""
        layers = []
        for path in self.teacher_head_paths:
            try:
                layers.append(self.teacher.get_submodule(path))
            except AttributeError:
                known = [n for n, _ in self.teacher.named_modules() if n]
                raise ConfigError(
                    f'DSKD: teacher_head {path!r} is not a module of the teacher.'
                    f'{did_you_mean(path, known)}'
                ) from None
        return layers

    def _check_head(self, head: nn.Module) -> int:
        """The classifier's input channels; it must be a Linear or a 1x1 Conv2d."""
        if isinstance(head, nn.Linear):
            return head.in_features
        if isinstance(head, nn.Conv2d) and tuple(head.kernel_size) == (1, 1):
            return head.in_channels
        kernel = f' with kernel {tuple(head.kernel_size)}' if isinstance(head, nn.Conv2d) else ''
        raise ConfigError(
            f'DSKD: teacher_head {self.teacher_head_paths[0]!r} is a {type(head).__name__}{kernel}'
            '; the guidance needs the teacher classifier itself, an nn.Linear or a 1x1 '
            "nn.Conv2d (e.g. 'head.fc', 'decode_head.conv_seg')."
        )

    def _check_projection(self, head_channels: int) -> None:
        """The projected student feature must have the classifier's channels (else the core's
        channel-mismatch message, naming the connector to add)."""
        feature = self._probe_student_feature()
        projected = feature
        if self.connector is not None:
            was_training = self.connector.training
            with torch.no_grad():
                projected = self.connector.eval()(feature, feature)
            self.connector.train(was_training)
        if projected.shape[1] != head_channels:
            target = projected.new_zeros(projected.shape[0], head_channels, *projected.shape[2:])
            raise ConfigError(_shape_mismatch_message('lsh', projected, target))

    def _probe_student_feature(self) -> Tensor:
        path = self.tap_paths['student']['feature']
        taps = FeatureTaps(self.student, {'feature': path}, 'student')
        was_training = self.student.training
        self.student.eval()
        try:
            with torch.no_grad():
                taps.run(self.student, torch.zeros(1, 3, PROBE_SIZE, PROBE_SIZE), mode='tensor')
        finally:
            self.student.train(was_training)
        feature = taps['feature']
        if not isinstance(feature, Tensor) or feature.dim() not in (2, 4):
            raise ConfigError(
                f'DSKD: the student feature tap {taps.specs["feature"]} must give an (N, C) or '
                f'(N, C, H, W) tensor, got {getattr(feature, "shape", type(feature).__name__)}.'
            )
        return feature

    @property
    def lsh_warmup(self) -> float:
        """The LSH weight's warm-up factor ``min((iter + 1) / lsh_warmup_iters, 1)``."""
        if not self.lsh_warmup_iters:
            return 1.0
        it = MessageHub.get_current_instance().get_info('iter')
        return 1.0 if it is None else min((int(it) + 1) / self.lsh_warmup_iters, 1.0)

    # --------------------------------------------------------------------------- training
    def teacher_forward(self, inputs: Tensor, data_samples: Optional[List[Any]] = None) -> None:
        """The teacher runs only when its feature is read (teacher target or guidance)."""
        if self.denoise_target == 'teacher' or self.guide_with == 'teacher':
            super().teacher_forward(inputs, data_samples)

    def read_taps(self, role: str, tap: str) -> List[Tensor]:
        if role in ('projected', 'denoised'):
            return [self._derived[role]]
        return super().read_taps(role, tap)

    def extra_passes(self, inputs: Tensor, data_samples: List[Any]) -> Dict[str, Tensor]:
        """Project the student feature, train the denoiser, sample the denoised feature."""
        [feature] = self.read_taps('student', 'feature')
        projected = feature if self.connector is None else self.connector(feature, feature)
        teacher_feature = None
        if self.denoise_target == 'teacher' or self.guide_with == 'teacher':
            teacher_feature = self.read_taps('teacher', 'feature')[0].detach()
        x0 = teacher_feature if self.denoise_target == 'teacher' else projected.detach()
        loss_diffusion = self.diffusion_loss(x0)
        target = self.guidance_target(teacher_feature, data_samples, projected)
        self._derived = dict(projected=projected, denoised=self.sample(projected, target))
        return {
            'dskd.loss_diffusion': loss_diffusion * self.diffusion_weight,
            'dskd.lsh_warmup': projected.new_tensor(self.lsh_warmup),
        }

    def loss(self, inputs: Tensor, data_samples: List[Any]) -> Dict[str, Tensor]:
        try:
            return super().loss(inputs, data_samples)
        finally:
            self._derived = {}

    def diffusion_loss(self, x0: Tensor) -> Tensor:
        """DiffKD's noise-prediction loss on detached clean features; only the denoiser learns."""
        x0 = x0.detach()
        t = torch.randint(0, len(self.scheduler.alphas_cumprod), (x0.shape[0],), device=x0.device)
        noise = torch.randn_like(x0)
        return F.mse_loss(self.denoiser(self.scheduler.add_noise(x0, noise, t), t), noise)

    def guidance_target(
        self, teacher_feature: Optional[Tensor], data_samples: List[Any], like: Tensor
    ) -> Dict[str, Tensor]:
        """What the guidance's log-likelihood scores: labels, gt depth, or the teacher's own
        prediction on its feature."""
        if self.guide_with == 'teacher':
            with torch.no_grad():
                out = self.teacher_head_forward(teacher_feature)
            if self.guides_depth:
                return dict(depth=out, valid=torch.ones_like(out, dtype=torch.bool))
            return dict(probs=out.softmax(dim=1))
        if self.guides_depth:
            gt = torch.stack([s.gt_depth_map.data for s in data_samples]).to(like)
            gt = F.interpolate(gt, size=like.shape[2:], mode='nearest')
            valid = torch.isfinite(gt) & (gt > 0)
            valid &= gt <= self._teacher_head_layers()[-1].max_depth
            return dict(depth=torch.where(valid, gt, torch.zeros_like(gt)), valid=valid)
        labels = labels_from_data_samples(data_samples).to(like.device)
        if labels.dim() == 3 and like.dim() == 4:
            labels = F.interpolate(labels[:, None].float(), size=like.shape[2:], mode='nearest')
            labels = labels[:, 0].long()
        return dict(labels=labels)

    def teacher_head_forward(self, x: Tensor) -> Tensor:
        """The frozen teacher classifier on a feature (a Linear sees the pooled map)."""
        layers = self._teacher_head_layers()
        if isinstance(layers[0], nn.Linear) and x.dim() == 4:
            x = x.mean(dim=(2, 3))
        for layer in layers:
            x = layer(x)
        return x

    def log_likelihood(self, x0: Tensor, target: Mapping[str, Tensor]) -> Tensor:
        """Summed (not averaged, so each sample's gradient keeps its size) teacher
        log-likelihood of the target given the feature x0."""
        out = self.teacher_head_forward(x0)
        if 'depth' in target:
            return -((out - target['depth']) ** 2 * target['valid']).sum()
        log_p = out.log_softmax(dim=1)
        if 'probs' in target:
            return (target['probs'] * log_p).sum()
        labels = target['labels']
        valid = labels != 255
        picked = log_p.gather(1, torch.where(valid, labels, 0).unsqueeze(1)).squeeze(1)
        return (picked * valid).sum()

    def guidance_grad(self, x0: Tensor, target: Mapping[str, Tensor]) -> Tensor:
        """d/dx0 log p(target | teacher_head(x0)) on a detached leaf (no weight gets a grad)."""
        with torch.enable_grad():
            leaf = x0.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(self.log_likelihood(leaf, target), leaf)
        return grad

    @torch.no_grad()
    def sample(
        self,
        projected: Tensor,
        target: Mapping[str, Tensor],
        scale: Optional[float] = None,
        noise: Optional[Tensor] = None,
    ) -> Tensor:
        """Guided DDIM from the noised projected student feature; the detached denoised x0."""
        scale = self.guidance_scale if scale is None else float(scale)
        x0 = projected.detach()
        noise = torch.randn_like(x0) if noise is None else noise
        start = torch.full((x0.shape[0],), self.t_start, dtype=torch.long, device=x0.device)
        x_t = self.scheduler.add_noise(x0, noise, start)
        timesteps = self.scheduler.sampling_timesteps(self.t_start, self.steps)
        for i, t in enumerate(timesteps):
            t_prev = timesteps[i + 1] if i + 1 < len(timesteps) else -1
            batch_t = torch.full((x_t.shape[0],), t, dtype=torch.long, device=x_t.device)
            eps = self.denoiser(x_t, batch_t)
            if scale != 0:
                grad = self.guidance_grad(self.scheduler.predict_x0(x_t, eps, t), target)
                eps = self.scheduler.guided_eps(eps, t, grad, scale)
            x_t, x0 = self.scheduler.step(eps, t, t_prev, x_t)
        return x0.detach()
