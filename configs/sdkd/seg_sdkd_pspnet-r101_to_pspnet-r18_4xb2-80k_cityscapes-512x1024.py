# SDKD on Cityscapes: PSPNet-R101 (teacher) -> PSPNet-R18 (student), proxy fused at layer3.
# SDKD builds its own loss terms: no `losses`.
_base_ = ['../_base_/seg_cityscapes-512x1024.py']
model = dict(
    type='mmkd.SDKD',
    student=dict(cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py', pretrained=None
    ),
    teacher_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/'
    'pspnet_r101-d8_512x1024_80k_cityscapes/'
    'pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth',
    taps=dict(logits='decode_head.conv_seg'),
    fusion=dict(student='backbone.layer3', teacher='backbone.layer3'),
    ffb=dict(channels=256, num_convs=2, norm_cfg=dict(type='SyncBN')),
    tau=1.0,
    lambda_=1.0,
)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'ffb': dict(lr_mult=1.0)}))
custom_hooks = [
    dict(type='mmkd.TeacherReferenceHook'),
    dict(type='mmkd.SDKDPhaseHook', begin_iter=40000),
]
