# SDKD with the AID-adapted teacher on the depth demo data (else ../sdkd/depth_sdkd_demo.py).
# One command runs both stages:
#   python tools/train.py configs/aid/depth_sdkd-aid_demo.py
# stage 1 (configs/aid/depth_aid-adapt_demo.py) runs first unless its adapted teacher exists.
_base_ = ['../_base_/depth_demo.py', '../_base_/models/demo_depth.py']
aid_adaptation = dict(
    config='configs/aid/depth_aid-adapt_demo.py', work_dir='work_dirs/depth_aid-adapt_demo'
)
model = dict(
    type='mmkd.SDKD',
    student=_base_.depth_demo_student,
    teacher=_base_.depth_demo_teacher,
    teacher_ckpt='work_dirs/depth_aid-adapt_demo/adapted_teacher.pth',
    taps=dict(logits='decode_head.depth_act'),
    fusion=dict(student='backbone.layer3', teacher='backbone.layer3'),
    ffb=dict(channels=32, num_convs=2),
    response_loss=dict(type='mmkd.DepthResponseLoss', mode='silog'),
    lambda_=1.0,
)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'ffb': dict(lr_mult=1.0)}))
custom_hooks = [
    dict(type='mmkd.TeacherReferenceHook'),
    dict(type='mmkd.SDKDPhaseHook', begin_iter=300),
]
