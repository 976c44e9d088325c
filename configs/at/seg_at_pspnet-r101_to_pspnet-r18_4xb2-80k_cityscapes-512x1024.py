# Attention transfer on Cityscapes: PSPNet-R101 -> PSPNet-R18 on the last backbone stage
# (stride 8: 64x128 positions for a 512x1024 crop; 512 and 2048 channels need no connector,
# AT compares channel-free maps).
# weight: AT's loss is a mean over positions of unit-norm maps, so it shrinks like 1/(H*W); the
# weight is ~8 x H*W, which reproduces the scale of the CIFAR setting (1000 on 8x8-32x32 maps).
# A starting point, not a tuned value.
_base_ = ['../_base_/seg_cityscapes-512x1024.py']
model = dict(
    type='mmkd.Distiller',
    student=dict(cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py', pretrained=None
    ),
    teacher_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/'
    'pspnet_r101-d8_512x1024_80k_cityscapes/'
    'pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth',
    taps=dict(c4='backbone[3]'),
    losses=dict(
        at=dict(type='mmkd.ATLoss', p=2.0, loss_weight=65536.0, student='c4', teacher='c4')
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
