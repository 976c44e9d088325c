# SDKD from the AID-adapted PSP-R101 to PSP-R18 on NYU-Depth-v2 (else
# ../sdkd/depth_sdkd_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py); both stages in one command:
#   tools/dist_train.sh configs/aid/depth_sdkd-aid_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py 4
_base_ = ['../_base_/depth_nyu-480x480.py', '../_base_/models/depth_psp.py']
aid_adaptation = dict(
    config='configs/aid/depth_aid-adapt_psp-r101-for-psp-r18_4xb8-2k_nyu-480x480.py',
    work_dir='work_dirs/depth_aid-adapt_psp-r101-for-psp-r18_4xb8-2k_nyu-480x480',
)
model = dict(
    type='mmkd.SDKD',
    student=_base_.depth_psp_r18,
    teacher=dict(_base_.depth_psp_r101, pretrained=None),
    teacher_ckpt='work_dirs/depth_aid-adapt_psp-r101-for-psp-r18_4xb8-2k_nyu-480x480/'
    'adapted_teacher.pth',
    taps=dict(logits='decode_head.depth_act'),
    fusion=dict(student='backbone.layer3', teacher='backbone.layer3'),
    ffb=dict(channels=256, num_convs=2, norm_cfg=dict(type='SyncBN')),
    response_loss=dict(type='mmkd.DepthResponseLoss', mode='silog'),
    lambda_=1.0,
)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'ffb': dict(lr_mult=1.0)}))
custom_hooks = [
    dict(type='mmkd.TeacherReferenceHook'),
    dict(type='mmkd.SDKDPhaseHook', begin_iter=12500),
]
