# SDKD on the embedded indoor scenes (the depth KD demo's pair), proxy fused at layer3; the
# depth head's SiLog loss on the proxy and DepthResponseLoss (silog) in place of KL.
# SDKD builds its own loss terms: no `losses`.
# Train the teacher first: tools/train.py configs/models/depth_psp-r18w32_demo-600it_embedded-nyu.py
_base_ = ['../_base_/depth_demo.py', '../_base_/models/demo_depth.py']
model = dict(
    type='mmkd.SDKD',
    student=_base_.depth_demo_student,
    teacher=_base_.depth_demo_teacher,
    teacher_ckpt='work_dirs/depth_psp-r18w32_demo-600it_embedded-nyu/iter_600.pth',
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
