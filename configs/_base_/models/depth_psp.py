# Depth estimators on mmseg's DepthEstimator: ResNetV1c + mmkd.DepthPSPHead (pyramid pooling),
# trained with the scale-invariant log loss. Taps: backbone[i], decode_head.depth_act (depth).
depth_norm_cfg = dict(type='SyncBN', requires_grad=True)
depth_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=0,
    size=(480, 480),
)


def _depth_model(depth, in_channels, channels, pretrained):
    return dict(
        type='DepthEstimator',
        data_preprocessor=depth_preprocessor,
        pretrained=pretrained,
        backbone=dict(
            type='ResNetV1c',
            depth=depth,
            num_stages=4,
            out_indices=(0, 1, 2, 3),
            dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1),
            norm_cfg=depth_norm_cfg,
            norm_eval=False,
            style='pytorch',
            contract_dilation=True,
        ),
        decode_head=dict(
            type='mmkd.DepthPSPHead',
            in_channels=in_channels,
            in_index=3,
            channels=channels,
            pool_scales=(1, 2, 3, 6),
            dropout_ratio=0.1,
            norm_cfg=depth_norm_cfg,
            align_corners=False,
            max_depth=10.0,
            loss_decode=dict(type='SiLogLoss'),
        ),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'),
    )


depth_psp_r101 = _depth_model(101, 2048, 512, 'open-mmlab://resnet101_v1c')
depth_psp_r18 = _depth_model(18, 512, 128, 'open-mmlab://resnet18_v1c')
