# SDKD with the AID-adapted teacher on the seg demo data (else ../sdkd/seg_sdkd_demo.py). One
# command runs both stages:
#   python tools/train.py configs/aid/seg_sdkd-aid_demo.py
# stage 1 (configs/aid/seg_aid-adapt_demo.py) runs first unless its adapted teacher exists.
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
aid_adaptation = dict(
    config='configs/aid/seg_aid-adapt_demo.py', work_dir='work_dirs/seg_aid-adapt_demo'
)
model = dict(
    type='mmkd.SDKD',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_aid-adapt_demo/adapted_teacher.pth',
    taps=dict(logits='decode_head.conv_seg'),
    fusion=dict(student='backbone.layer3', teacher='backbone.layer3'),
    ffb=dict(channels=32, num_convs=2),
    tau=1.0,
    lambda_=1.0,
)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'ffb': dict(lr_mult=1.0)}))
custom_hooks = [
    dict(type='mmkd.TeacherReferenceHook'),
    dict(type='mmkd.SDKDPhaseHook', begin_iter=300),
]
