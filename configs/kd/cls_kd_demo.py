# KD on the real sklearn digits: ResNet-20 -> ResNet-8, tau 4 (the CIFAR-100 recipe at CPU scale;
# matches cls_kd_resnet56_to_resnet20_1xb64-240e_cifar100.py).
# Train the teacher first: tools/train.py configs/models/cls_resnet20_demo-15e_embedded-digits.py
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.cls_demo_student,
    teacher=_base_.cls_demo_teacher,
    teacher_ckpt='work_dirs/cls_resnet20_demo-15e_embedded-digits/epoch_15.pth',
    taps=dict(logits='head.fc'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence', tau=4.0, loss_weight=0.9, student='logits', teacher='logits'
        )
    ),
    student_loss_weight=0.1,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
