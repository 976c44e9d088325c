# KD from the AID-adapted ResNet-56 to ResNet-20 on CIFAR-100 (else
# ../kd/cls_kd_resnet56_to_resnet20_1xb64-240e_cifar100.py); both stages in one command:
#   python tools/train.py configs/aid/cls_kd-aid_resnet56_to_resnet20_1xb64-240e_cifar100.py
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
aid_adaptation = dict(
    config='configs/aid/cls_aid-adapt_resnet56-for-resnet20_1xb64-20e_cifar100.py',
    work_dir='work_dirs/cls_aid-adapt_resnet56-for-resnet20_1xb64-20e_cifar100',
)
model = dict(
    type='mmkd.Distiller',
    student=_base_.resnet20,
    teacher=_base_.resnet56,
    teacher_ckpt='work_dirs/cls_aid-adapt_resnet56-for-resnet20_1xb64-20e_cifar100/'
    'adapted_teacher.pth',
    taps=dict(logits='head.fc'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence', tau=4.0, loss_weight=0.9, student='logits', teacher='logits'
        )
    ),
    student_loss_weight=0.1,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
