# AID stage 1 on CIFAR-100: adapt ResNet-56 to ResNet-20 (the student trained alone).
# 20 epochs at a constant 0.005 (SGD), validation every epoch, at most 0.5 top-1 points lost.
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.AIDTeacherAdapter',
    teacher=_base_.resnet56,
    teacher_ckpt='work_dirs/cls_resnet56_1xb64-240e_cifar100/epoch_240.pth',
    reference_student=_base_.resnet20,
    reference_student_ckpt='work_dirs/cls_resnet20_1xb64-240e_cifar100/epoch_240.pth',
    taps=dict(logits='head.fc'),
    relation=dict(type='mmkd.IntraClassRelation', tau=4.0),
    anchor=dict(type='mmkd.KLDivergence', tau=4.0),
    alpha=1.0,
    beta=1.0,
)
optim_wrapper = dict(optimizer=dict(lr=0.005))
param_scheduler = dict(_delete_=True, type='ConstantLR', factor=1.0, by_epoch=True)
train_cfg = dict(max_epochs=20, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=5))
custom_hooks = [dict(type='mmkd.AIDEarlyStopHook', metric='accuracy/top1', tolerance=0.5)]
