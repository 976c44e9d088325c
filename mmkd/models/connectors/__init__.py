from .connectors import ConvConnector, ResizeConnector

__all__ = ['ConvConnector', 'ResizeConnector']
