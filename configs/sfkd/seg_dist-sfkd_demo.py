# DIST + SFKD on the embedded street scenes: DIST's per-pixel relations on the teacher's top-12
# of the 19 class logits of every pixel (the others set to 0). Baseline: ../dist/seg_dist_demo.py
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-600it_embedded-cityscapes/iter_600.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        dist=dict(
            type='mmkd.DISTLoss',
            beta=1.0,
            gamma=1.0,
            tau=1.0,
            student='logits',
            teacher='logits',
            teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6, dim='channel', fill='zero'),
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
