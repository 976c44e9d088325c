# KD + SFKD from two teachers on the embedded digits: ResNet-20 and ResNet-14 -> ResNet-8. Each
# teacher's logits get their own top-6 mask, then the masked logits are averaged into the KD
# target. Train the teachers first: bash tools/benchmark/demo_models.sh cls cls-teacher2
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.cls_demo_student,
    teachers=dict(
        resnet20=dict(
            model=_base_.cls_demo_teacher,
            ckpt='work_dirs/cls_resnet20_demo-15e_embedded-digits/epoch_15.pth',
        ),
        resnet14=dict(
            model=_base_.cls_demo_teacher2,
            ckpt='work_dirs/cls_resnet14_demo-15e_embedded-digits/epoch_15.pth',
        ),
    ),
    taps=dict(logits='head.fc'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence',
            tau=4.0,
            loss_weight=0.9,
            student='logits',
            teacher='logits',
            teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6, dim='channel', fill='zero'),
            teacher_combine='mean',
        )
    ),
    student_loss_weight=0.1,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
