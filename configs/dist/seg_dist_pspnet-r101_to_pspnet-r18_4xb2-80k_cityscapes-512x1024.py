# DIST on Cityscapes: PSPNet-R101 -> PSPNet-R18, pixels as samples, beta = gamma = tau = 1 and
# loss weight 1 as in the official segmentation code (which distils a DeepLabV3-R101 teacher).
_base_ = ['../kd/seg_kd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py']
model = dict(
    losses=dict(_delete_=True,
                dist=dict(type='mmkd.DISTLoss', beta=1.0, gamma=1.0, tau=1.0, weight=1.0,
                          student='logits', teacher='logits')))
