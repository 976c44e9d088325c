"""Shape checks shared by the distillation losses."""
from torch import Tensor


def check_same_shape(name: str, student: Tensor, teacher: Tensor, hint: str) -> None:
    """Raise a ValueError naming both shapes and ``hint`` when they differ."""
    if student.shape != teacher.shape:
        raise ValueError(
            f'{name}: student shape {tuple(student.shape)} does not match teacher shape '
            f'{tuple(teacher.shape)}; {hint}')


def check_min_ndim(name: str, tensor: Tensor, min_ndim: int, expected: str) -> None:
    """Raise a ValueError when ``tensor`` has fewer than ``min_ndim`` dimensions."""
    if tensor.dim() < min_ndim:
        raise ValueError(
            f'{name}: expected {expected}, got shape {tuple(tensor.shape)}')
