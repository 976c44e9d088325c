# SDKD on CIFAR-100: WRN-40-2 (teacher) -> WRN-16-2 (student), proxy teacher fused at layer2.
# WRN's layer2 output is pre-activation (can be negative), so the FFB ends without ReLU.
_base_ = ['./cls_sdkd_resnet56_to_resnet20_1xb64-240e_cifar100.py']
model = dict(
    student=dict(_delete_=True, **_base_.wrn_16_2),
    teacher=dict(_delete_=True, **_base_.wrn_40_2),
    teacher_ckpt='work_dirs/cls_wrn40-2_1xb64-240e_cifar100/epoch_240.pth',
    ffb=dict(channels=64, num_convs=2, last_act=False),
)
