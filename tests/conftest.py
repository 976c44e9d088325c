"""Small models and batches shared by the tests (CPU, seconds)."""

import copy
from typing import List, Tuple

import pytest
import torch
from mmengine.registry import DefaultScope

import mmkd  # noqa: F401  (registers mmkd's components)

NUM_CLASSES = 4
CLS_PREPROCESSOR = dict(type='ClsDataPreprocessor', mean=[127.5] * 3, std=[127.5] * 3, to_rgb=False)
SEG_PREPROCESSOR = dict(
    type='SegDataPreProcessor',
    mean=[127.5] * 3,
    std=[127.5] * 3,
    bgr_to_rgb=False,
    size_divisor=8,
    pad_val=0,
    seg_pad_val=255,
)


def cls_model(depth: int = 8, width: int = 1, num_classes: int = NUM_CLASSES) -> dict:
    """An mmpretrain ImageClassifier on a CIFAR ResNet (depth 8: 3 blocks)."""
    return dict(
        type='ImageClassifier',
        data_preprocessor=copy.deepcopy(CLS_PREPROCESSOR),
        backbone=dict(type='mmkd.CIFARResNet', depth=depth, width_multiplier=width),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(
            type='LinearClsHead',
            num_classes=num_classes,
            in_channels=64 * width,
            loss=dict(type='CrossEntropyLoss'),
        ),
    )


def psp_backbone(base_channels: int) -> dict:
    """mmseg's dilated ResNetV1c-18 (PSPNet's backbone) with few channels."""
    return dict(
        type='ResNetV1c',
        depth=18,
        base_channels=base_channels,
        stem_channels=base_channels,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=dict(type='BN', requires_grad=True),
        contract_dilation=True,
    )


def seg_model(base_channels: int = 8, num_classes: int = NUM_CLASSES) -> dict:
    """A tiny mmseg PSPNet (ResNetV1c-18 with few channels)."""
    norm = dict(type='BN', requires_grad=True)
    return dict(
        type='EncoderDecoder',
        data_preprocessor=copy.deepcopy(SEG_PREPROCESSOR),
        backbone=psp_backbone(base_channels),
        decode_head=dict(
            type='PSPHead',
            in_channels=base_channels * 8,
            in_index=3,
            channels=16,
            pool_scales=(1, 2),
            dropout_ratio=0.0,
            num_classes=num_classes,
            norm_cfg=norm,
            align_corners=False,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0),
        ),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'),
    )


@pytest.fixture(autouse=True)
def single_thread():
    """One intra-op thread: on a shared 2-core machine, OpenMP threads spin against other
    processes and make the tests' small convs many times slower."""
    num_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(num_threads)


@pytest.fixture
def mmpretrain_scope():
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        yield


@pytest.fixture
def mmseg_scope():
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


def cls_batch(n: int = 4, size: int = 32, seed: int = 0) -> dict:
    from mmpretrain.structures import DataSample

    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 255, (3, size, size), generator=g).to(torch.uint8) for _ in range(n)]
    labels = torch.randint(0, NUM_CLASSES, (n,), generator=g)
    samples = [DataSample().set_gt_label(int(label)) for label in labels]
    return dict(inputs=inputs, data_samples=samples)


def seg_batch(n: int = 2, size: Tuple[int, int] = (32, 32), seed: int = 0) -> dict:
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    g = torch.Generator().manual_seed(seed)
    inputs: List[torch.Tensor] = []
    samples = []
    for _ in range(n):
        inputs.append(torch.randint(0, 255, (3, *size), generator=g).to(torch.uint8))
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.randint(0, NUM_CLASSES, (1, *size), generator=g))
        sample.set_metainfo(
            dict(img_shape=size, ori_shape=size, pad_shape=size, padding_size=[0, 0, 0, 0])
        )
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)
