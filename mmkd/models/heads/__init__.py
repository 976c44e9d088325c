from .depth_head import DepthASPPHead, DepthFCNHead, DepthHeadMixin, DepthPSPHead

__all__ = ['DepthHeadMixin', 'DepthFCNHead', 'DepthPSPHead', 'DepthASPPHead']
