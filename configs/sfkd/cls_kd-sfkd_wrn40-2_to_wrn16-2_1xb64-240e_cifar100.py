# KD + SFKD on CIFAR-100: WRN-40-2 -> WRN-16-2, top-60 of the 100 teacher logits per sample.
# Baseline: ../kd/cls_kd_wrn40-2_to_wrn16-2_1xb64-240e_cifar100.py
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.wrn_16_2,
    teacher=_base_.wrn_40_2,
    teacher_ckpt='work_dirs/cls_wrn40-2_1xb64-240e_cifar100/epoch_240.pth',
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
