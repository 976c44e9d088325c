# AT + SFKD on the embedded digits: ResNet-20 -> ResNet-8, attention transfer at the three stages
# on the top 60% of each teacher attention map (per sample). Baseline: ../at/cls_at_demo.py
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.cls_demo_student,
    teacher=_base_.cls_demo_teacher,
    teacher_ckpt='work_dirs/cls_resnet20_demo-15e_embedded-digits/epoch_15.pth',
    taps=dict(s1='backbone.layer1', s2='backbone.layer2', s3='backbone.layer3'),
    losses={
        f'at{i}': dict(
            type='mmkd.ATLoss',
            p=2.0,
            loss_weight=1000.0,
            student=f's{i}',
            teacher=f's{i}',
            teacher_mask=dict(ratio=0.6),
        )
        for i in (1, 2, 3)
    },
    student_loss_weight=1.0,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
