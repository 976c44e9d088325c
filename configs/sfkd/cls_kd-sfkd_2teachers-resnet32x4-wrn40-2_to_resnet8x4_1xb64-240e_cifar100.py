# KD + SFKD from two CIFAR-100 teachers, ResNet-32x4 and WRN-40-2 -> ResNet-8x4: a top-60 mask
# per teacher, then the mean of the masked logits is the KD target (tau 4).
_base_ = ['../kd/cls_kd_resnet32x4_to_resnet8x4_1xb64-240e_cifar100.py']
model = dict(
    teacher=None, teacher_ckpt=None,
    teachers=dict(
        resnet32x4=dict(model=_base_.resnet32x4,
                        ckpt='work_dirs/cls_resnet32x4_1xb64-240e_cifar100/epoch_240.pth'),
        wrn40_2=dict(model=_base_.wrn_40_2,
                     ckpt='work_dirs/cls_wrn40-2_1xb64-240e_cifar100/epoch_240.pth')),
    losses=dict(kd=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6, dim='channel',
                                               fill='zero'),
                        teacher_combine='mean')))
