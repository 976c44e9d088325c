# Hinton KD on CIFAR-100: WRN-40-2 (teacher) -> WRN-16-2 (student), tau 4.
_base_ = ['./cls_kd_resnet56_to_resnet20_1xb64-240e_cifar100.py']
model = dict(
    student=dict(_delete_=True, **_base_.wrn_16_2),
    teacher=dict(_delete_=True, **_base_.wrn_40_2),
    teacher_ckpt='work_dirs/cls_wrn40-2_1xb64-240e_cifar100/epoch_240.pth',
)
