from ..frozen import NonFiniteLossError
from .aid import AIDTeacherAdapter
from .base import Distiller
from .dskd import DSKD
from .sdkd import SDKD

__all__ = ['Distiller', 'NonFiniteLossError', 'SDKD', 'DSKD', 'AIDTeacherAdapter']
