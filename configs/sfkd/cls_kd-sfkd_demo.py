# KD + SFKD on the embedded digits: ResNet-20 -> ResNet-8, KD (tau 4) on the teacher's top-6 of
# the 10 logits per sample (K = ceil(0.6 * 10) = 6). Baseline: ../kd/cls_kd_demo.py
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.cls_demo_student,
    teacher=_base_.cls_demo_teacher,
    teacher_ckpt='work_dirs/cls_resnet20_demo-15e_embedded-digits/epoch_15.pth',
    taps=dict(logits='head.fc'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence',
            tau=4.0,
            loss_weight=0.9,
            student='logits',
            teacher='logits',
            teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6, dim='channel', fill='zero'),
        )
    ),
    student_loss_weight=0.1,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
