# DSKD on the shapes scenes (the hard segmentation demo, docs/demo_hard_seg.md):
# ./seg_dskd_demo.py on the shapes data and schedule (2400 iterations) with the shapes teacher.
# Train the teacher first: tools/train.py configs/models/seg_pspnet-r18w32_demo-2400it_embedded-shapes.py
_base_ = ['../_base_/seg_shapes_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.DSKD',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-2400it_embedded-shapes/iter_2400.pth',
    taps=dict(feature='decode_head.bottleneck'),
    teacher_head='decode_head.conv_seg',
    lsh=dict(
        type='mmkd.LSHLoss',
        loss_weight=1.0,
        connector=dict(type='mmkd.ConvConnector', in_channels=16, out_channels=64),
    ),
    t_start=400,
    steps=5,
    guidance_scale=1.0,
    lsh_warmup_iters=100,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
