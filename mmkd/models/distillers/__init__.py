from .base import Distiller, NonFiniteLossError

__all__ = ['Distiller', 'NonFiniteLossError']
