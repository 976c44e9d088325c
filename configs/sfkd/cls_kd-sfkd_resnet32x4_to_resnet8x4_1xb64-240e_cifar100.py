# KD + SFKD on CIFAR-100: ResNet-32x4 -> ResNet-8x4. Hinton KD (tau 4, weight 0.9, CE 0.1) on the
# teacher's top-K logits per sample (K = ceil(0.6 * 100) = 60), the others set to 0.
# Baseline: ../kd/cls_kd_resnet32x4_to_resnet8x4_1xb64-240e_cifar100.py
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.resnet8x4,
    teacher=_base_.resnet32x4,
    teacher_ckpt='work_dirs/cls_resnet32x4_1xb64-240e_cifar100/epoch_240.pth',
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
