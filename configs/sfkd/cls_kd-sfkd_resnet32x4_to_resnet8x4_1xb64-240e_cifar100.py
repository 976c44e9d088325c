# KD + SFKD on CIFAR-100: ResNet-32x4 -> ResNet-8x4. Hinton KD (tau 4, weight 0.9, CE 0.1) on the
# teacher's top-K logits per sample (K = ceil(0.6 * 100) = 60), the others set to 0.
# Baseline: ../kd/cls_kd_resnet32x4_to_resnet8x4_1xb64-240e_cifar100.py
_base_ = ['../kd/cls_kd_resnet32x4_to_resnet8x4_1xb64-240e_cifar100.py']
model = dict(
    losses=dict(kd=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                               dim='channel', fill='zero'))))
