# SDKD on the embedded street scenes: the demo teacher -> the demo student (the seg KD demo's
# pair), proxy teacher fused at layer3; per-pixel KL over classes, mmseg's CE on the proxy.
# SDKD builds its own loss terms: no `losses`.
# Train the teacher first: tools/train.py configs/models/seg_pspnet-r18w32_demo-600it_embedded-cityscapes.py
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.SDKD',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-600it_embedded-cityscapes/iter_600.pth',
    taps=dict(logits='decode_head.conv_seg'),
    fusion=dict(student='backbone.layer3', teacher='backbone.layer3'),
    ffb=dict(channels=32, num_convs=2),
    tau=1.0,
    lambda_=1.0,
)
# one optimizer for student and FFB (their gradients are separated by SDKD itself). DDP needs no
# find_unused_parameters: every iteration the student gets gradients from L_S, the FFB from L_PT.
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'ffb': dict(lr_mult=1.0)}))
custom_hooks = [
    dict(type='mmkd.TeacherReferenceHook'),
    dict(type='mmkd.SDKDPhaseHook', begin_iter=300),
]
