"""Diffusion building blocks for DSKD: the DDIM schedule and a light feature denoiser."""

from .ddim import DDIMScheduler

__all__ = ['DDIMScheduler']
