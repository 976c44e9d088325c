# KD from the AID-adapted ResNet-56 to ResNet-20 on CIFAR-100; both stages in one command:
#   python tools/train.py configs/aid/cls_kd-aid_resnet56_to_resnet20_1xb64-240e_cifar100.py
_base_ = ['../kd/cls_kd_resnet56_to_resnet20_1xb64-240e_cifar100.py']
aid_adaptation = dict(
    config='configs/aid/cls_aid-adapt_resnet56-for-resnet20_1xb64-20e_cifar100.py',
    work_dir='work_dirs/cls_aid-adapt_resnet56-for-resnet20_1xb64-20e_cifar100')
model = dict(teacher_ckpt='work_dirs/cls_aid-adapt_resnet56-for-resnet20_1xb64-20e_cifar100/'
                          'adapted_teacher.pth')
