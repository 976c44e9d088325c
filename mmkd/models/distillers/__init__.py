from .aid import AIDEarlyStopHook, AIDTeacherAdapter
from .base import Distiller, NonFiniteLossError
from .sdkd import SDKD, SDKDPhaseHook

__all__ = ['Distiller', 'NonFiniteLossError', 'SDKD', 'SDKDPhaseHook', 'AIDTeacherAdapter',
           'AIDEarlyStopHook']
