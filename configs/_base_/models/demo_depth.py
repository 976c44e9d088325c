# The demo's depth pair: mmseg DepthEstimator on a dilated ResNetV1c-18 with mmkd.DepthPSPHead,
# a wide teacher (32 base channels) and a narrow student (8). Taps: backbone[i],
# decode_head.depth_act (the predicted depth map at 1/8 resolution).
depth_norm_cfg = dict(type='BN', requires_grad=True)
depth_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=0,
    size_divisor=8,
)


def _depth_model(width, head_channels):
    return dict(
        type='DepthEstimator',
        data_preprocessor=depth_preprocessor,
        backbone=dict(
            type='ResNetV1c',
            depth=18,
            base_channels=width,
            stem_channels=width,
            num_stages=4,
            out_indices=(0, 1, 2, 3),
            dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1),
            norm_cfg=depth_norm_cfg,
            norm_eval=False,
            contract_dilation=True,
        ),
        decode_head=dict(
            type='mmkd.DepthPSPHead',
            in_channels=width * 8,
            in_index=3,
            channels=head_channels,
            pool_scales=(1, 2, 3, 6),
            dropout_ratio=0.0,
            norm_cfg=depth_norm_cfg,
            align_corners=False,
            max_depth=10.0,
            loss_decode=dict(type='SiLogLoss'),
        ),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'),
    )


depth_demo_teacher = _depth_model(32, 64)
depth_demo_student = _depth_model(8, 16)
