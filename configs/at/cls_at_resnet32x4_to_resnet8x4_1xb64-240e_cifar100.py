# Attention transfer (Zagoruyko & Komodakis, ICLR 2017) on CIFAR-100: ResNet-32x4 -> ResNet-8x4.
# The CRD/RepDistiller setting: CE 1.0, no KD, AT (p = 2) on the outputs of the three stages
# with beta = 1000 each (the loss is the mean squared difference of the normalised maps).
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.resnet8x4,
    teacher=_base_.resnet32x4,
    teacher_ckpt='work_dirs/cls_resnet32x4_1xb64-240e_cifar100/epoch_240.pth',
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
