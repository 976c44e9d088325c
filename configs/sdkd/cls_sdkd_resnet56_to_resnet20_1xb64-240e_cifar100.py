# SDKD on CIFAR-100: ResNet-56 (teacher) -> ResNet-20 (student), proxy teacher fused at layer2.
# Phase 1 (k=0, student learns from the teacher alone) for the first half of the schedule.
# SDKD builds its own loss terms: no `losses`.
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.SDKD',
    student=_base_.resnet20,
    teacher=_base_.resnet56,
    teacher_ckpt='work_dirs/cls_resnet56_1xb64-240e_cifar100/epoch_240.pth',
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
