# SDKD on Cityscapes: PSPNet-R101 (teacher) -> PSPNet-R18 (student), proxy fused at layer3.
_base_ = ['../kd/seg_kd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py']
model = dict(
    type='mmkd.SDKD',
    losses=None,  # SDKD builds its own terms
    fusion=dict(student='backbone.layer3', teacher='backbone.layer3'),
    ffb=dict(channels=256, num_convs=2, norm_cfg=dict(type='SyncBN')),
    tau=1.0, lambda_=1.0,
)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'ffb': dict(lr_mult=1.0)}))
custom_hooks = [dict(type='mmkd.TeacherReferenceHook'),
                dict(type='mmkd.SDKDPhaseHook', begin_iter=40000)]
