# Hinton KD on CIFAR-100: ResNet-32x4 (teacher) -> ResNet-8x4 (student), tau 4.
_base_ = ['./cls_kd_resnet56_to_resnet20_1xb64-240e_cifar100.py']
model = dict(
    student=dict(_delete_=True, **_base_.resnet8x4),
    teacher=dict(_delete_=True, **_base_.resnet32x4),
    teacher_ckpt='work_dirs/cls_resnet32x4_1xb64-240e_cifar100/epoch_240.pth',
)
