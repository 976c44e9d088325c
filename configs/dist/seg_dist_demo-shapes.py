# DIST on the shapes scenes (the hard segmentation demo, docs/demo_hard_seg.md):
# ./seg_dist_demo.py on the shapes data and schedule (2400 iterations) with the shapes teacher.
# Train the teacher first: tools/train.py configs/models/seg_pspnet-r18w32_demo-2400it_embedded-shapes.py
_base_ = ['../_base_/seg_shapes_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-2400it_embedded-shapes/iter_2400.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        dist=dict(
            type='mmkd.DISTLoss', beta=1.0, gamma=1.0, tau=1.0, student='logits', teacher='logits'
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
