"""mmkd datasets: generators of small, real-format demo datasets and their md5-free loaders."""
from .embedded import (CIFAR10Embedded, CIFAR100Embedded, CIFAR100_DIGIT_CLASSES,
                       CITYSCAPES_USED_CLASSES, DIGIT_CLASSES, GENERATOR_VERSION, NYU_SCENES,
                       STAMP_FILE, GenerationReport, generate_cityscapes, generate_digits_cifar10,
                       generate_digits_cifar100, generate_nyu, is_up_to_date, load_digits_32,
                       read_stamp, render_indoor_scene, render_street_scene, stratified_split)

__all__ = [
    'CIFAR10Embedded', 'CIFAR100Embedded', 'CIFAR100_DIGIT_CLASSES', 'CITYSCAPES_USED_CLASSES',
    'DIGIT_CLASSES', 'GENERATOR_VERSION', 'NYU_SCENES', 'STAMP_FILE', 'GenerationReport',
    'generate_cityscapes', 'generate_digits_cifar10', 'generate_digits_cifar100', 'generate_nyu',
    'is_up_to_date', 'load_digits_32', 'read_stamp', 'render_indoor_scene', 'render_street_scene',
    'stratified_split'
]
