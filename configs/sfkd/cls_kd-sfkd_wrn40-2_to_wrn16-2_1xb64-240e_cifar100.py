# KD + SFKD on CIFAR-100: WRN-40-2 -> WRN-16-2, top-60 of the 100 teacher logits per sample.
# Baseline: ../kd/cls_kd_wrn40-2_to_wrn16-2_1xb64-240e_cifar100.py
_base_ = ['../kd/cls_kd_wrn40-2_to_wrn16-2_1xb64-240e_cifar100.py']
model = dict(
    losses=dict(kd=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                               dim='channel', fill='zero'))))
