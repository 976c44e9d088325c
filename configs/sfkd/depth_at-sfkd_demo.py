# AT + SFKD for depth on the embedded indoor scenes: the teacher's attention map keeps its top
# 60% positions per sample. Baseline: ../at/depth_at_demo.py
_base_ = ['../_base_/depth_demo.py', '../_base_/models/demo_depth.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.depth_demo_student,
    teacher=_base_.depth_demo_teacher,
    teacher_ckpt='work_dirs/depth_psp-r18w32_demo-600it_embedded-nyu/iter_600.pth',
    taps=dict(c4='backbone[3]'),
    losses=dict(
        at=dict(
            type='mmkd.ATLoss',
            p=2.0,
            loss_weight=1536.0,
            student='c4',
            teacher='c4',
            teacher_mask=dict(ratio=0.6),
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
