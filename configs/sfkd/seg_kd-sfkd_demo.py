# Pixel KD + SFKD on the embedded street scenes: top-12 of the 19 class logits of every teacher
# pixel. Baseline: ../kd/seg_kd_demo.py
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-600it_embedded-cityscapes/iter_600.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence',
            tau=1.0,
            loss_weight=3.0,
            student='logits',
            teacher='logits',
            teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6, dim='channel', fill='zero'),
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
