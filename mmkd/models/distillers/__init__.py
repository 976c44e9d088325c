from .aid import AIDTeacherAdapter
from .base import Distiller, NonFiniteLossError
from .sdkd import SDKD

__all__ = ['Distiller', 'NonFiniteLossError', 'SDKD', 'AIDTeacherAdapter']
