from ..frozen import NonFiniteLossError
from .aid import AIDTeacherAdapter
from .base import Distiller
from .sdkd import SDKD

__all__ = ['Distiller', 'NonFiniteLossError', 'SDKD', 'AIDTeacherAdapter']
