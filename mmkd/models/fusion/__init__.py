from .ffb import FeatureFusionBlock

__all__ = ['FeatureFusionBlock']
