# FitNet (Romero et al., ICLR 2015) on CIFAR-100: ResNet-32x4 -> ResNet-8x4, the CRD/RepDistiller
# setting trained in one stage: CE 1.0, MSE hint on the second stage (128 channels in both)
# through a trainable 1x1 conv + BN regressor, beta = 100.
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.resnet8x4,
    teacher=_base_.resnet32x4,
    teacher_ckpt='work_dirs/cls_resnet32x4_1xb64-240e_cifar100/epoch_240.pth',
    taps=dict(hint='backbone.layer2'),
    losses=dict(
        fitnet=dict(
            type='mmkd.MSEFeature',
            loss_weight=100.0,
            student='hint',
            teacher='hint',
            connector=dict(type='mmkd.ConvConnector', in_channels=128, out_channels=128),
        )
    ),
    student_loss_weight=1.0,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
