# Decoupled KD (Zhao et al., CVPR 2022) on CIFAR-100: ResNet-32x4 (teacher) -> ResNet-8x4
# (student). The official CIFAR setting: CE 1.0, alpha 1 (TCKD), beta 8 (NCKD), tau 4, linear
# warm-up of the DKD weight over the first 20 epochs.
# DKD reads the ground-truth labels: needs the distiller to pass `labels=` to losses with
# `needs_labels = True` (see mmkd.models.losses.dkd); the model builds without it.
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.resnet8x4,
    teacher=_base_.resnet32x4,
    teacher_ckpt='work_dirs/cls_resnet32x4_1xb64-240e_cifar100/epoch_240.pth',
    taps=dict(logits='head.fc'),
    losses=dict(
        dkd=dict(
            type='mmkd.DKDLoss',
            alpha=1.0,
            beta=8.0,
            tau=4.0,
            warmup=20,
            warmup_by='epoch',
            student='logits',
            teacher='logits',
        )
    ),
    student_loss_weight=1.0,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
