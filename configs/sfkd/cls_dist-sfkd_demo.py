# DIST + SFKD on the embedded digits: ResNet-20 -> ResNet-8, DIST's relations on the teacher's
# top-6 of the 10 logits per sample (the others set to 0). Baseline: ../dist/cls_dist_demo.py
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.cls_demo_student,
    teacher=_base_.cls_demo_teacher,
    teacher_ckpt='work_dirs/cls_resnet20_demo-15e_embedded-digits/epoch_15.pth',
    taps=dict(logits='head.fc'),
    losses=dict(
        dist=dict(
            type='mmkd.DISTLoss',
            beta=2.0,
            gamma=2.0,
            tau=4.0,
            student='logits',
            teacher='logits',
            teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6, dim='channel', fill='zero'),
        )
    ),
    student_loss_weight=1.0,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
