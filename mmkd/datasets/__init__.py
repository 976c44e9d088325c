"""mmkd datasets: the md5-free, pickle-free loaders of the embedded digits, and the data
transforms mmkd adds (a random crop that records its box, for the geometric teacher cache).

The demo-data generators are in :mod:`mmkd.demo_data`, which ``import mmkd`` does not load.
"""

from .cifar import (
    CIFAR100_DIGIT_CLASSES,
    DIGIT_CLASSES,
    DIGIT_STYLES,
    CIFAR10Embedded,
    CIFAR100Embedded,
)
from .transforms import RecordedRandomCrop

__all__ = [
    'RecordedRandomCrop',
    'CIFAR10Embedded',
    'CIFAR100Embedded',
    'CIFAR100_DIGIT_CLASSES',
    'DIGIT_CLASSES',
    'DIGIT_STYLES',
]
