# SDKD from the AID-adapted ResNet-56 to ResNet-20 on CIFAR-100 (else
# ../sdkd/cls_sdkd_resnet56_to_resnet20_1xb64-240e_cifar100.py); both stages in one command:
#   python tools/train.py configs/aid/cls_sdkd-aid_resnet56_to_resnet20_1xb64-240e_cifar100.py
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
aid_adaptation = dict(
    config='configs/aid/cls_aid-adapt_resnet56-for-resnet20_1xb64-20e_cifar100.py',
    work_dir='work_dirs/cls_aid-adapt_resnet56-for-resnet20_1xb64-20e_cifar100',
)
model = dict(
    type='mmkd.SDKD',
    student=_base_.resnet20,
    teacher=_base_.resnet56,
    teacher_ckpt='work_dirs/cls_aid-adapt_resnet56-for-resnet20_1xb64-20e_cifar100/'
    'adapted_teacher.pth',
    taps=dict(logits='head.fc'),
    student_loss_weight=1.0,
    fusion=dict(student='backbone.layer2', teacher='backbone.layer2'),
    ffb=dict(channels=32, num_convs=2),
    tau=4.0,
    lambda_=1.0,
)
# one optimizer; the FFB gets its own learning-rate factor (gradients are already separated)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'ffb': dict(lr_mult=1.0)}))
custom_hooks = [
    dict(type='mmkd.TeacherReferenceHook'),
    dict(type='mmkd.SDKDPhaseHook', begin_epoch=120),
]
