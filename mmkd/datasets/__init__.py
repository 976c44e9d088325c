"""mmkd datasets: the md5-free, pickle-free loaders of the embedded digits.

The demo-data generators are in :mod:`mmkd.demo_data`, which ``import mmkd`` does not load.
"""

from .cifar import (
    CIFAR100_DIGIT_CLASSES,
    DIGIT_CLASSES,
    DIGIT_STYLES,
    CIFAR10Embedded,
    CIFAR100Embedded,
)

__all__ = [
    'CIFAR10Embedded',
    'CIFAR100Embedded',
    'CIFAR100_DIGIT_CLASSES',
    'DIGIT_CLASSES',
    'DIGIT_STYLES',
]
