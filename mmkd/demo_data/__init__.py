"""Generators of mmkd's small, deterministic, learnable demo datasets in the REAL on-disk formats.

Why: the machine that develops and tests mmkd has no internet access, so no public dataset can be
downloaded. Instead of mocking the data path, we write files in exactly the layout the upstream
dataset classes expect (Cityscapes, NYU-Depth-v2), so that mmseg's own dataset classes, loading
transforms and pipelines run unchanged on them. The digits are the exception: CIFAR's own files
are pickles, which run code when loaded, so they are written as plain ``.npz`` arrays that
mmpretrain's CIFAR datasets read through :class:`mmkd.datasets.CIFAR10Embedded` /
:class:`mmkd.datasets.CIFAR100Embedded`.

One module per dataset, each writing one dataset root and a stamp file (:mod:`.common`):

* :mod:`.cityscapes`: Cityscapes-layout street scenes (synthetic) for semantic segmentation,
* :mod:`.shapes`: Cityscapes-layout shapes scenes whose classes differ only by outline and
  context (the hard segmentation demo, where a narrow student is capacity-limited),
* :mod:`.nyu`: NYU-Depth-v2-layout indoor scenes (synthetic, ray-cast) for monocular depth,
* :mod:`.digits`: scikit-learn's REAL handwritten digits as CIFAR-10 / CIFAR-100 style arrays.

Every image is drawn from its own random generator seeded by ``(seed, split, index)``, so the
output is byte-for-byte reproducible and an image does not change when the dataset size changes.
Only ``tools/data/``, ``tools/demo.py`` and the tests use this package; ``import mmkd`` does not
load it (run-time code needs none of it).
"""

from .cityscapes import (
    CITYSCAPES_USED_CLASSES,
    DEMO_EXTRA_FRAMES,
    generate_cityscapes,
    render_street_scene,
)
from .common import GENERATOR_VERSION, STAMP_FILE, GenerationReport, is_up_to_date, read_stamp
from .digits import (
    generate_digits_cifar10,
    generate_digits_cifar100,
    load_digits_32,
    stratified_split,
)
from .nyu import NYU_SCENES, generate_nyu, render_indoor_scene
from .shapes import SHAPES_CLASSES, generate_shapes, render_shapes_scene

__all__ = [
    'CITYSCAPES_USED_CLASSES',
    'DEMO_EXTRA_FRAMES',
    'GENERATOR_VERSION',
    'NYU_SCENES',
    'SHAPES_CLASSES',
    'STAMP_FILE',
    'GenerationReport',
    'generate_cityscapes',
    'generate_digits_cifar10',
    'generate_digits_cifar100',
    'generate_nyu',
    'generate_shapes',
    'is_up_to_date',
    'load_digits_32',
    'read_stamp',
    'render_indoor_scene',
    'render_shapes_scene',
    'render_street_scene',
    'stratified_split',
]
