# Hinton KD on CIFAR-100: ResNet-32x4 (teacher) -> ResNet-8x4 (student), tau 4.
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.resnet8x4,
    teacher=_base_.resnet32x4,
    teacher_ckpt='work_dirs/cls_resnet32x4_1xb64-240e_cifar100/epoch_240.pth',
    taps=dict(logits='head.fc'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence', tau=4.0, loss_weight=0.9, student='logits', teacher='logits'
        )
    ),
    student_loss_weight=0.1,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
