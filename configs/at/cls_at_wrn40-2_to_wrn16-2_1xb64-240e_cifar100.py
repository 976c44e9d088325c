# Attention transfer on CIFAR-100: WRN-40-2 -> WRN-16-2, the three group outputs, beta = 1000
# each, CE 1.0 (the CRD/RepDistiller setting).
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.wrn_16_2,
    teacher=_base_.wrn_40_2,
    teacher_ckpt='work_dirs/cls_wrn40-2_1xb64-240e_cifar100/epoch_240.pth',
    taps=dict(s1='backbone.layer1', s2='backbone.layer2', s3='backbone.layer3'),
    losses={
        f'at{i}': dict(
            type='mmkd.ATLoss', p=2.0, loss_weight=1000.0, student=f's{i}', teacher=f's{i}'
        )
        for i in (1, 2, 3)
    },
    student_loss_weight=1.0,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
