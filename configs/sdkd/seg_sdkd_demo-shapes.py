# SDKD on the shapes scenes (the hard segmentation demo, docs/demo_hard_seg.md):
# ./seg_sdkd_demo.py on the shapes data and schedule (2400 iterations) with the shapes teacher;
# phase 2 from half the schedule, as on the street scenes (300 of 600).
# Train the teacher first: tools/train.py configs/models/seg_pspnet-r18w32_demo-2400it_embedded-shapes.py
_base_ = ['../_base_/seg_shapes_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.SDKD',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-2400it_embedded-shapes/iter_2400.pth',
    taps=dict(logits='decode_head.conv_seg'),
    fusion=dict(student='backbone.layer3', teacher='backbone.layer3'),
    ffb=dict(channels=32, num_convs=2),
    tau=1.0,
    lambda_=1.0,
)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'ffb': dict(lr_mult=1.0)}))
custom_hooks = [
    dict(type='mmkd.TeacherReferenceHook'),
    dict(type='mmkd.SDKDPhaseHook', begin_iter=1200),
]
