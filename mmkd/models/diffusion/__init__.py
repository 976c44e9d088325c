"""Diffusion building blocks for DSKD: the DDIM schedule and a light feature denoiser."""

from .ddim import DDIMScheduler
from .denoiser import FeatureDenoiser

__all__ = ['DDIMScheduler', 'FeatureDenoiser']
