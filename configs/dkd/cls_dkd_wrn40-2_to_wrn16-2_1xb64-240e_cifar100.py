# Decoupled KD on CIFAR-100: WRN-40-2 (teacher) -> WRN-16-2 (student). The official setting for
# this pair: CE 1.0, alpha 1, beta 6, tau 4, 20 warm-up epochs.
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.wrn_16_2,
    teacher=_base_.wrn_40_2,
    teacher_ckpt='work_dirs/cls_wrn40-2_1xb64-240e_cifar100/epoch_240.pth',
    taps=dict(logits='head.fc'),
    losses=dict(
        dkd=dict(
            type='mmkd.DKDLoss',
            alpha=1.0,
            beta=6.0,
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
