"""DSKD's diffusion blocks: the DDIM schedule and step against hand-computed numbers, and the
feature denoiser's shapes, size and gradients."""

import math

import pytest
import torch

from mmkd.models.diffusion import DDIMScheduler, FeatureDenoiser
from mmkd.registry import MODELS

# T = 4 with betas 0.1, 0.2, 0.3, 0.4: alphas 0.9, 0.8, 0.7, 0.6, so the running products are
# 0.9, 0.9*0.8 = 0.72, 0.72*0.7 = 0.504, 0.504*0.6 = 0.3024.
TINY = dict(num_train_steps=4, beta_start=0.1, beta_end=0.4)
TINY_ALPHAS_CUMPROD = [0.9, 0.72, 0.504, 0.3024]


def test_alphas_cumprod_by_hand():
    scheduler = DDIMScheduler(**TINY)
    assert scheduler.alphas_cumprod.dtype == torch.float64
    assert scheduler.alphas_cumprod.tolist() == pytest.approx(TINY_ALPHAS_CUMPROD, abs=1e-15)


def test_default_schedule_is_diffkds():
    scheduler = DDIMScheduler()
    assert scheduler.alphas_cumprod.shape == (1000,)
    assert scheduler.betas[0].item() == pytest.approx(1e-4)
    assert scheduler.betas[-1].item() == pytest.approx(0.02)
    assert scheduler.alphas_cumprod[0].item() == pytest.approx(1 - 1e-4)
    # (1 - 1e-4)(1 - (1e-4 + 0.0199/999))
    assert scheduler.alphas_cumprod[1].item() == pytest.approx(0.9999 * (1 - 1e-4 - 0.0199 / 999))
    assert torch.all(scheduler.alphas_cumprod[1:] < scheduler.alphas_cumprod[:-1])


def test_add_noise_by_hand():
    scheduler = DDIMScheduler(**TINY)
    x0 = torch.tensor([[1.0, 2.0], [3.0, -1.0]])
    noise = torch.tensor([[0.5, -0.5], [1.0, 0.0]])
    noisy = scheduler.add_noise(x0, noise, torch.tensor([0, 2]))
    # sqrt(0.9) = 0.948683, sqrt(0.1) = 0.316228; sqrt(0.504) = 0.709930, sqrt(0.496) = 0.704273
    expected = torch.tensor([[1.106797, 1.739253], [2.834061, -0.709930]])
    assert noisy.dtype == x0.dtype
    torch.testing.assert_close(noisy, expected, atol=1e-6, rtol=0)


def test_add_noise_broadcasts_over_maps_and_keeps_dtype():
    scheduler = DDIMScheduler(**TINY)
    x0 = torch.ones(2, 3, 2, 2, dtype=torch.float16)
    noisy = scheduler.add_noise(x0, torch.zeros_like(x0), torch.tensor([1, 3]))
    assert noisy.dtype == torch.float16
    torch.testing.assert_close(noisy[0], torch.full((3, 2, 2), math.sqrt(0.72), dtype=torch.half))
    torch.testing.assert_close(noisy[1], torch.full((3, 2, 2), math.sqrt(0.3024), dtype=torch.half))


def test_add_noise_rejects_bad_timesteps():
    scheduler = DDIMScheduler(**TINY)
    x0 = torch.zeros(2, 3)
    with pytest.raises(ValueError, match=r'\[0, 3\]'):
        scheduler.add_noise(x0, x0, torch.tensor([0, 4]))
    with pytest.raises(ValueError, match='one timestep per sample'):
        scheduler.add_noise(x0, x0, torch.tensor([0]))


def test_sampling_timesteps():
    scheduler = DDIMScheduler()
    assert scheduler.sampling_timesteps() == [400, 300, 200, 100, 0]
    assert scheduler.sampling_timesteps(400, 5) == [400, 300, 200, 100, 0]
    assert scheduler.sampling_timesteps(999, 4) == [999, 666, 333, 0]
    assert scheduler.sampling_timesteps(200, 1) == [200]
    assert scheduler.sampling_timesteps(3, 4) == [3, 2, 1, 0]
    with pytest.raises(ValueError, match='do not fit'):
        scheduler.sampling_timesteps(3, 5)
    with pytest.raises(ValueError, match=r'outside \[0, 999\]'):
        scheduler.sampling_timesteps(1000, 5)


def test_one_ddim_step_by_hand():
    scheduler = DDIMScheduler(**TINY)
    x_t = torch.tensor([1.0, -2.0])
    eps = torch.tensor([0.5, 0.25])
    x_prev, x0 = scheduler.step(eps, 2, 1, x_t)
    # x0 = (x_t - sqrt(1 - 0.504) eps) / sqrt(0.504): (1 - 0.704273 * 0.5) / 0.709930 = 0.912575
    torch.testing.assert_close(x0, torch.tensor([0.912575, -3.065189]), atol=1e-6, rtol=0)
    # x_prev = sqrt(0.72) x0 + sqrt(0.28) eps: 0.848528 * 0.912575 + 0.529150 * 0.5 = 1.038920
    torch.testing.assert_close(x_prev, torch.tensor([1.038920, -2.468611]), atol=1e-6, rtol=0)
    assert torch.equal(scheduler.predict_x0(x_t, eps, 2), x0)


def test_stochastic_ddim_step_by_hand():
    scheduler = DDIMScheduler(**TINY)
    x_t = torch.tensor([1.0, -2.0])
    eps = torch.tensor([0.5, 0.25])
    x_prev, x0 = scheduler.step(eps, 2, 1, x_t, eta=1.0, generator=torch.Generator().manual_seed(3))
    z = torch.randn(2, generator=torch.Generator().manual_seed(3))
    # sigma = sqrt(0.28 / 0.496) sqrt(1 - 0.504 / 0.72) = 0.411527; sqrt(0.28 - sigma²) = 0.332634
    expected = math.sqrt(0.72) * x0 + 0.332634 * eps + 0.411527 * z
    torch.testing.assert_close(x_prev, expected, atol=1e-5, rtol=0)


def test_last_step_ends_at_the_clean_sample():
    scheduler = DDIMScheduler(**TINY)
    x_t = torch.tensor([1.0, -2.0])
    eps = torch.tensor([0.5, 0.25])
    x_prev, x0 = scheduler.step(eps, 0, -1, x_t, eta=1.0)  # abar_prev = 1, so sigma = 0
    torch.testing.assert_close(x0, (x_t - math.sqrt(0.1) * eps) / math.sqrt(0.9))
    torch.testing.assert_close(x_prev, x0)


def test_step_with_the_true_noise_recovers_x0():
    scheduler = DDIMScheduler()
    g = torch.Generator().manual_seed(0)
    x0 = torch.randn(2, 8, 3, 3, generator=g)
    noise = torch.randn(2, 8, 3, 3, generator=g)
    x_t = scheduler.add_noise(x0, noise, torch.tensor([400, 400]))
    for t, t_prev in [(400, 300), (300, 200), (200, 100), (100, 0), (0, -1)]:
        x_prev, x0_pred = scheduler.step(noise, t, t_prev, x_t)
        torch.testing.assert_close(x0_pred, x0, atol=1e-5, rtol=0)
        # eta = 0 keeps the noise: the step lands exactly on the forward process at t_prev
        if t_prev >= 0:
            expected = scheduler.add_noise(x0, noise, torch.tensor([t_prev, t_prev]))
        else:
            expected = x0
        torch.testing.assert_close(x_prev, expected, atol=1e-5, rtol=0)
        x_t = x_prev


def test_step_rejects_a_step_forward():
    scheduler = DDIMScheduler(**TINY)
    x = torch.zeros(2)
    with pytest.raises(ValueError, match='must be < t'):
        scheduler.step(x, 1, 1, x)


def test_guided_eps_by_hand():
    scheduler = DDIMScheduler(**TINY)
    guided = scheduler.guided_eps(torch.tensor([1.0]), 1, torch.tensor([2.0]), scale=0.5)
    # 1 - 0.5 * sqrt(1 - 0.72) * 2 = 1 - 0.529150
    torch.testing.assert_close(guided, torch.tensor([0.470850]), atol=1e-6, rtol=0)


def test_guidance_moves_x0_towards_higher_log_probability():
    # log p(y | x) = -|x - mu|² / 2 has gradient mu - x: guiding eps with it must bring the
    # predicted clean sample closer to mu, and more so with a larger scale.
    scheduler = DDIMScheduler()
    g = torch.Generator().manual_seed(1)
    x_t, eps, mu = (torch.randn(4, 16, generator=g) for _ in range(3))
    x0 = scheduler.predict_x0(x_t, eps, 300)
    distances = []
    for scale in (0.0, 0.5, 1.0):
        guided = scheduler.guided_eps(eps, 300, mu - x0, scale)
        distances.append((scheduler.predict_x0(x_t, guided, 300) - mu).norm().item())
    assert distances[0] > distances[1] > distances[2]


def denoiser_loss(out: torch.Tensor, seed: int = 0) -> torch.Tensor:
    # not out.sum(): behind the final BN, the per-channel sum has zero gradient
    target = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed))
    return (out - target).pow(2).mean()


def test_denoiser_keeps_the_shape_of_maps_and_vectors():
    denoiser = FeatureDenoiser(16, num_train_steps=50)
    x = torch.randn(3, 16, 5, 7)
    assert denoiser(x, torch.tensor([0, 10, 49])).shape == (3, 16, 5, 7)
    assert denoiser(x, 7).shape == (3, 16, 5, 7)  # one timestep for the whole batch
    assert denoiser(torch.randn(3, 16), torch.tensor([1, 2, 3])).shape == (3, 16)


def test_denoiser_on_vectors_is_the_denoiser_on_1x1_maps():
    denoiser = FeatureDenoiser(16, num_train_steps=50).eval()
    x, t = torch.randn(3, 16), torch.tensor([4, 0, 30])
    torch.testing.assert_close(denoiser(x, t), denoiser(x[:, :, None, None], t).flatten(1))


def test_denoiser_depends_on_the_timestep():
    denoiser = FeatureDenoiser(16, num_train_steps=50).eval()
    x = torch.randn(2, 16, 4, 4)
    assert not torch.allclose(denoiser(x, 3), denoiser(x, 40))


def test_denoiser_rejects_bad_inputs():
    denoiser = FeatureDenoiser(16, num_train_steps=50)
    with pytest.raises(ValueError, match=r'\(N, 16, H, W\)'):
        denoiser(torch.randn(2, 8, 4, 4), 0)
    with pytest.raises(ValueError, match=r'\[0, 49\]'):
        denoiser(torch.randn(2, 16, 4, 4), 50)
    with pytest.raises(ValueError, match='one per sample'):
        denoiser(torch.randn(2, 16, 4, 4), torch.tensor([1, 2, 3]))


def test_denoiser_size_at_128_channels():
    denoiser = MODELS.build(dict(type='mmkd.FeatureDenoiser', channels=128))
    count = sum(p.numel() for p in denoiser.parameters())
    # embedding 1000*128 = 128,000; per bottleneck 128*32 + 32*32*9 + 32*128 conv weights
    # + 2*(32 + 32 + 128) BN = 17,792; final 128*128 + 2*128 = 16,640
    assert count == 128_000 + 2 * 17_792 + 16_640 == 180_224  # DiffKD: "about 0.2 M"


def test_gradients_reach_every_denoiser_parameter():
    denoiser = FeatureDenoiser(16, num_train_steps=50).train()
    t = torch.tensor([0, 10, 49, 10])
    denoiser_loss(denoiser(torch.randn(4, 16, 3, 3), t)).backward()
    for name, param in denoiser.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name
    used = denoiser.time_embedding.weight.grad.abs().sum(1) > 0
    assert used.nonzero().flatten().tolist() == [0, 10, 49]  # only the rows of the timesteps seen
