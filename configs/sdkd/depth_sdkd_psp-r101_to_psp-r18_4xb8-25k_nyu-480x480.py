# SDKD on NYU-Depth-v2: PSP-R101 (teacher) -> PSP-R18 (student), proxy fused at layer3; the
# depth head's SiLog loss on the proxy and DepthResponseLoss (silog) in place of KL.
# SDKD builds its own loss terms: no `losses`.
_base_ = ['../_base_/depth_nyu-480x480.py', '../_base_/models/depth_psp.py']
model = dict(
    type='mmkd.SDKD',
    student=_base_.depth_psp_r18,
    teacher=dict(_base_.depth_psp_r101, pretrained=None),
    teacher_ckpt='work_dirs/depth_psp-r101_4xb8-25k_nyu-480x480/iter_25000.pth',
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
