"""mmkd: knowledge distillation for the OpenMMLab stack.

Install with `make test` / `make demo` (they create .venv), or by hand on a CUDA machine as the
README describes. Dependencies are listed in requirements.txt; mmcv (full, with ops) is built by
tools/setup/build_mmcv.sh because PyPI ships only its source.
"""

from setuptools import find_packages, setup

setup(
    name='mmkd',
    version='0.1.0',
    description='Knowledge distillation for classification, segmentation and depth estimation '
    'on MMEngine, mmsegmentation and mmpretrain',
    packages=find_packages(include=['mmkd', 'mmkd.*']),
    python_requires='>=3.9',
    install_requires=[
        'mmengine==0.10.7',
        'mmsegmentation==1.2.2',
        'mmpretrain==1.2.0',
        'mmcv==2.1.0',
        'torch>=2.0',
        'torchvision',
        'numpy',
        'opencv-python',
    ],
    extras_require={'demo': ['scikit-learn'], 'test': ['pytest', 'scikit-learn']},
)
