# Pixel KD + SFKD on Cityscapes: PSPNet-R101 -> PSPNet-R18. Pixel-wise KL (tau 1, weight 3) on the
# teacher's top-K class logits of every pixel (K = ceil(0.6 * 19) = 12), the others set to 0.
# Baseline: ../kd/seg_kd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py
_base_ = ['../kd/seg_kd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py']
model = dict(
    losses=dict(kd=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                               dim='channel', fill='zero'))))
