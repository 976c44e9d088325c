# Attention transfer on Cityscapes: PSPNet-R101 -> PSPNet-R18 on the last backbone stage
# (stride 8: 64x128 positions for a 512x1024 crop; 512 and 2048 channels need no connector,
# AT compares channel-free maps).
# weight: AT's loss is a mean over positions of unit-norm maps, so it shrinks like 1/(H*W); the
# weight is ~8 x H*W, which reproduces the scale of the CIFAR setting (1000 on 8x8-32x32 maps).
# A starting point, not a tuned value.
_base_ = ['../kd/seg_kd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py']
model = dict(
    taps=dict(_delete_=True, c4='backbone[3]'),
    losses=dict(_delete_=True,
                at=dict(type='mmkd.ATLoss', p=2.0, weight=65536.0, student='c4', teacher='c4')))
