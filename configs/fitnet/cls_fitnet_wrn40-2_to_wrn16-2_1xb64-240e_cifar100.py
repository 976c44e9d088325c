# FitNet on CIFAR-100: WRN-40-2 -> WRN-16-2, MSE hint on the second group (64 channels in both)
# through a 1x1 conv + BN regressor, beta = 100, CE 1.0.
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.wrn_16_2,
    teacher=_base_.wrn_40_2,
    teacher_ckpt='work_dirs/cls_wrn40-2_1xb64-240e_cifar100/epoch_240.pth',
    taps=dict(hint='backbone.layer2'),
    losses=dict(
        fitnet=dict(
            type='mmkd.MSEFeature',
            loss_weight=100.0,
            student='hint',
            teacher='hint',
            connector=dict(type='mmkd.ConvConnector', in_channels=64, out_channels=64),
        )
    ),
    student_loss_weight=1.0,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
