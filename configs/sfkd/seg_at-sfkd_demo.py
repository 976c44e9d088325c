# AT + SFKD on the embedded street scenes: attention transfer at the last backbone stage on the
# top 60% of each teacher attention map (per sample). Baseline: ../at/seg_at_demo.py
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-600it_embedded-cityscapes/iter_600.pth',
    taps=dict(c4='backbone[3]'),
    losses=dict(
        at=dict(
            type='mmkd.ATLoss',
            p=2.0,
            loss_weight=1024.0,
            student='c4',
            teacher='c4',
            teacher_mask=dict(ratio=0.6),
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
