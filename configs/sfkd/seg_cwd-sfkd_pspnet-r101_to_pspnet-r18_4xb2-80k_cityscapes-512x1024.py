# CWD + SFKD on Cityscapes: PSPNet-R101 -> PSPNet-R18. Channel-wise distillation (tau 4, weight 3)
# of the teacher logits after keeping the top-12 of the 19 classes of every pixel (others 0).
# Baseline: ../cwd/seg_cwd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py
_base_ = ['../cwd/seg_cwd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py']
model = dict(
    losses=dict(cwd=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                                dim='channel', fill='zero'))))
