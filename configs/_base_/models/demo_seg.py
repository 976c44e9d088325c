# The demo's segmentation pair: PSPNet on a dilated ResNetV1c-18, a wide teacher (32 base
# channels, 2.8M parameters) and a narrow student (8 base channels). Taps: backbone[i] (stage
# outputs), decode_head.conv_seg (class logits at 1/8 resolution).
seg_norm_cfg = dict(type='BN', requires_grad=True)
seg_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=8,
)


def _pspnet(width, head_channels):
    return dict(
        type='EncoderDecoder',
        data_preprocessor=seg_preprocessor,
        backbone=dict(
            type='ResNetV1c',
            depth=18,
            base_channels=width,
            stem_channels=width,
            num_stages=4,
            out_indices=(0, 1, 2, 3),
            dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1),
            norm_cfg=seg_norm_cfg,
            norm_eval=False,
            contract_dilation=True,
        ),
        decode_head=dict(
            type='PSPHead',
            in_channels=width * 8,
            in_index=3,
            channels=head_channels,
            pool_scales=(1, 2, 3, 6),
            dropout_ratio=0.1,
            num_classes=19,
            norm_cfg=seg_norm_cfg,
            align_corners=False,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0),
        ),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'),
    )


seg_demo_teacher = _pspnet(32, 64)
seg_demo_student = _pspnet(8, 16)
