"""The DDIM noise schedule and sampling step, with classifier guidance.

Song, Meng, Ermon. "Denoising Diffusion Implicit Models", ICLR 2021 (the step);
Dhariwal, Nichol. "Diffusion Models Beat GANs on Image Synthesis", NeurIPS 2021 (the guidance,
openai/guided-diffusion ``condition_score``); the defaults are DiffKD's (Huang et al., NeurIPS
2023): T = 1000, linear betas 1e-4..0.02, eta 0, five steps from t = 400.

A plain object holding tensors, not an ``nn.Module``: it has no parameters and nothing of it
belongs in a checkpoint, since it is rebuilt identically from its three arguments.
"""

import math
from typing import List, Optional, Tuple

import torch
from torch import Tensor


class DDIMScheduler:
    """Linear-beta noise schedule with DDIM's deterministic (``eta = 0``) or stochastic step.

    ``alphas_cumprod[t] = prod_{s <= t} (1 - beta_s)`` with ``beta`` evenly spaced from
    ``beta_start`` to ``beta_end`` over ``num_train_steps`` values, kept in float64 so the
    products of a thousand factors stay exact to the last float32 digit. Methods take a single
    timestep ``t`` (an int) except :meth:`add_noise`, which noises a batch at per-sample times.

    Args:
        num_train_steps: T, the number of diffusion steps the denoiser is trained on.
        beta_start: beta_0.
        beta_end: beta_{T-1}.
    """

    def __init__(
        self, num_train_steps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02
    ) -> None:
        if num_train_steps < 1:
            raise ValueError(f'DDIMScheduler: num_train_steps must be >= 1, got {num_train_steps}')
        if not 0 < beta_start <= beta_end < 1:
            raise ValueError(
                'DDIMScheduler: need 0 < beta_start <= beta_end < 1, got '
                f'beta_start={beta_start}, beta_end={beta_end}'
            )
        self.num_train_steps = int(num_train_steps)
        self.betas = torch.linspace(beta_start, beta_end, num_train_steps, dtype=torch.float64)
        self.alphas_cumprod = torch.cumprod(1.0 - self.betas, dim=0)

    def _check_t(self, t: int) -> int:
        if not 0 <= int(t) < self.num_train_steps:
            raise ValueError(
                f'DDIMScheduler: timestep {t} is outside [0, {self.num_train_steps - 1}]'
            )
        return int(t)

    def alpha_bar(self, t: int) -> float:
        """``alphas_cumprod[t]`` as a Python float; 1.0 for ``t < 0`` (the clean end, see
        :meth:`step`)."""
        if t < 0:
            return 1.0
        return float(self.alphas_cumprod[self._check_t(t)])

    def add_noise(self, x0: Tensor, noise: Tensor, t: Tensor) -> Tensor:
        """The forward process ``x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise``.

        ``t`` is a LongTensor of shape ``(N,)``, one timestep per sample, broadcast over the
        remaining dimensions of ``x0`` (any of ``(N, C)``, ``(N, C, H, W)``, ...). The
        coefficients are computed in float64 and the result has ``x0``'s dtype.
        """
        if noise.shape != x0.shape:
            raise ValueError(
                f'DDIMScheduler.add_noise: noise shape {tuple(noise.shape)} differs from x0 '
                f'shape {tuple(x0.shape)}'
            )
        t = torch.as_tensor(t, dtype=torch.long)
        if t.dim() != 1 or t.shape[0] != x0.shape[0]:
            raise ValueError(
                f'DDIMScheduler.add_noise: t must have shape ({x0.shape[0]},), one timestep per '
                f'sample, got {tuple(t.shape)}'
            )
        if t.numel() and (int(t.min()) < 0 or int(t.max()) >= self.num_train_steps):
            raise ValueError(
                f'DDIMScheduler.add_noise: timesteps must lie in [0, {self.num_train_steps - 1}]'
                f', got min {int(t.min())}, max {int(t.max())}'
            )
        abar = self.alphas_cumprod[t.cpu()].view(-1, *([1] * (x0.dim() - 1)))
        signal = abar.sqrt().to(device=x0.device, dtype=x0.dtype)
        sigma = (1.0 - abar).sqrt().to(device=x0.device, dtype=x0.dtype)
        return signal * x0 + sigma * noise

    def sampling_timesteps(self, start: int = 400, steps: int = 5) -> List[int]:
        """The timesteps a sampling run visits: ``steps`` values evenly spaced from ``start``
        down to 0 (rounded to integers), e.g. ``[400, 300, 200, 100, 0]`` for (400, 5).

        This is DiffKD's schedule: its pipeline asks diffusers for ``2 * steps`` DDIM steps over
        T = 1000 (stride 100, from 900) and runs only the second half. Each timestep is paired
        with the next one as ``t_prev`` in :meth:`step`, and the last (0) with ``t_prev = -1``,
        which ends the run at the clean sample (``abar = 1``).
        """
        self._check_t(start)
        if steps < 1:
            raise ValueError(f'DDIMScheduler: steps must be >= 1, got {steps}')
        if steps == 1:
            return [int(start)]
        if steps - 1 > start:
            raise ValueError(
                f'DDIMScheduler: {steps} distinct integer timesteps do not fit in [0, {start}]'
            )
        return [round(start * (steps - 1 - i) / (steps - 1)) for i in range(steps)]

    def predict_x0(self, x_t: Tensor, eps: Tensor, t: int) -> Tensor:
        """The clean sample implied by a noise estimate:
        ``x0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)``."""
        abar = self.alpha_bar(self._check_t(t))
        return (x_t - math.sqrt(1.0 - abar) * eps) / math.sqrt(abar)

    def step(
        self,
        eps: Tensor,
        t: int,
        t_prev: int,
        x_t: Tensor,
        eta: float = 0.0,
        generator: Optional[torch.Generator] = None,
    ) -> Tuple[Tensor, Tensor]:
        """One DDIM step from ``t`` to ``t_prev < t``; returns ``(x_prev, x0_pred)``.

        ``x0 = predict_x0(x_t, eps, t)`` and
        ``x_prev = sqrt(abar_prev) x0 + sqrt(1 - abar_prev - sigma²) eps + sigma z`` with
        ``sigma = eta sqrt((1 - abar_prev) / (1 - abar_t)) sqrt(1 - abar_t / abar_prev)`` and
        ``z ~ N(0, I)`` drawn from ``generator`` (only when ``sigma > 0``; eta = 0 is
        deterministic). ``t_prev < 0`` (the last step, from t = 0) uses ``abar_prev = 1``, as
        diffusers' DDIM does by default (``set_alpha_to_one=True``, which DiffKD does not
        change): then sigma = 0 and ``x_prev = x0``.
        """
        t = self._check_t(t)
        if t_prev >= t:
            raise ValueError(f'DDIMScheduler.step: t_prev ({t_prev}) must be < t ({t})')
        if eta < 0:
            raise ValueError(f'DDIMScheduler.step: eta must be >= 0, got {eta}')
        abar_t, abar_prev = self.alpha_bar(t), self.alpha_bar(t_prev)
        x0 = self.predict_x0(x_t, eps, t)
        sigma = (
            eta * math.sqrt((1.0 - abar_prev) / (1.0 - abar_t)) * math.sqrt(1 - abar_t / abar_prev)
        )
        direction = math.sqrt(max(1.0 - abar_prev - sigma**2, 0.0))
        x_prev = math.sqrt(abar_prev) * x0 + direction * eps
        if sigma > 0:
            z = torch.randn(x_t.shape, generator=generator, device=x_t.device, dtype=x_t.dtype)
            x_prev = x_prev + sigma * z
        return x_prev, x0

    def guided_eps(self, eps: Tensor, t: int, grad_log_p: Tensor, scale: float) -> Tensor:
        """Classifier guidance on the noise estimate:
        ``eps - scale * sqrt(1 - abar_t) * grad_log_p``.

        ``grad_log_p`` is the gradient of ``log p(y | x)`` for the wanted label; lowering eps
        along it moves the predicted x0 towards higher ``p(y | x)``. guided-diffusion's
        ``condition_score`` does this (its ``cond_fn`` returns the gradient already times the
        scale).
        """
        abar = self.alpha_bar(self._check_t(t))
        return eps - (scale * math.sqrt(1.0 - abar)) * grad_log_p
