# KD + SFKD from two CIFAR-100 teachers, ResNet-32x4 and WRN-40-2 -> ResNet-8x4: a top-60 mask
# per teacher, then the mean of the masked logits is the KD target (tau 4).
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.resnet8x4,
    teachers=dict(
        resnet32x4=dict(
            model=_base_.resnet32x4,
            ckpt='work_dirs/cls_resnet32x4_1xb64-240e_cifar100/epoch_240.pth',
        ),
        wrn40_2=dict(
            model=_base_.wrn_40_2, ckpt='work_dirs/cls_wrn40-2_1xb64-240e_cifar100/epoch_240.pth'
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
