# DIST on Cityscapes: PSPNet-R101 -> PSPNet-R18, pixels as samples, beta = gamma = tau = 1 and
# loss weight 1 as in the official segmentation code (which distils a DeepLabV3-R101 teacher).
_base_ = ['../_base_/seg_cityscapes-512x1024.py']
model = dict(
    type='mmkd.Distiller',
    student=dict(cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py',
                 pretrained=None),
    teacher_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/'
    'pspnet_r101-d8_512x1024_80k_cityscapes/'
    'pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(dist=dict(type='mmkd.DISTLoss', beta=1.0, gamma=1.0, tau=1.0, loss_weight=1.0,
                          student='logits', teacher='logits')),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
