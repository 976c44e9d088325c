# Hinton KD on CIFAR-100: ResNet-56 (teacher) -> ResNet-20 (student), tau 4.
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.resnet20,
    teacher=_base_.resnet56,
    teacher_ckpt='work_dirs/cls_resnet56_1xb64-240e_cifar100/epoch_240.pth',
    taps=dict(logits='head.fc'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence', tau=4.0, loss_weight=0.9, student='logits', teacher='logits'
        )
    ),
    student_loss_weight=0.1,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
