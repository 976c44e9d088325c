# SDKD from the AID-adapted PSPNet-R101 to PSPNet-R18 on Cityscapes in the CIRKD protocol (8 GPUs
# x 2 images, 40k iterations; without AID:
# ../sdkd/seg_sdkd_pspnet-r101_to_pspnet-r18_8xb2-40k_cityscapes-512x1024.py); both stages:
#   tools/dist_train.sh configs/aid/seg_sdkd-aid_pspnet-r101_to_pspnet-r18_8xb2-40k_cityscapes-512x1024.py 8
_base_ = ['../_base_/seg_cityscapes-512x1024_8xb2-40k.py']
aid_adaptation = dict(
    config='configs/aid/seg_aid-adapt_pspnet-r101-for-pspnet-r18_8xb2-2k_cityscapes-512x1024.py',
    work_dir='work_dirs/seg_aid-adapt_pspnet-r101-for-pspnet-r18_8xb2-2k_cityscapes-512x1024',
)
model = dict(
    type='mmkd.SDKD',
    student=dict(cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py', pretrained=None
    ),
    teacher_ckpt='work_dirs/seg_aid-adapt_pspnet-r101-for-pspnet-r18_8xb2-2k_'
    'cityscapes-512x1024/adapted_teacher.pth',
    taps=dict(logits='decode_head.conv_seg'),
    fusion=dict(student='backbone.layer3', teacher='backbone.layer3'),
    ffb=dict(channels=256, num_convs=2, norm_cfg=dict(type='SyncBN')),
    tau=1.0,
    lambda_=1.0,
)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'ffb': dict(lr_mult=1.0)}))
custom_hooks = [
    dict(type='mmkd.TeacherReferenceHook'),
    dict(type='mmkd.SDKDPhaseHook', begin_iter=20000),
]
