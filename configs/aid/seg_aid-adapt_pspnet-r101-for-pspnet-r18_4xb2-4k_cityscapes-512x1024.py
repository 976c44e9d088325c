# AID stage 1 on Cityscapes: adapt PSPNet-R101 to PSPNet-R18 (the student trained alone).
# 4k iterations at a constant 1e-3 (SGD), validation every 1k; the adapted teacher may lose at
# most 0.5 mIoU. Writes work_dirs/<this config>/adapted_teacher.pth.
_base_ = ['../_base_/seg_cityscapes-512x1024.py']
model = dict(
    type='mmkd.AIDTeacherAdapter',
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py', pretrained=None
    ),
    teacher_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/'
    'pspnet_r101-d8_512x1024_80k_cityscapes/'
    'pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth',
    reference_student=dict(
        cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py', pretrained=None
    ),
    reference_student_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/'
    'pspnet_r18-d8_512x1024_80k_cityscapes/'
    'pspnet_r18-d8_512x1024_80k_cityscapes_20201225_021458-09ffa746.pth',
    taps=dict(logits='decode_head.conv_seg'),
    relation=dict(type='mmkd.IntraClassRelation', tau=4.0),
    anchor=dict(type='mmkd.KLDivergence', tau=1.0),
    alpha=1.0,
    beta=1.0,
)
adapt_iters = 4000
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=adapt_iters)]
train_cfg = dict(max_iters=adapt_iters, val_interval=1000)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=1000))
custom_hooks = [dict(type='mmkd.AIDEarlyStopHook', metric='mIoU', tolerance=0.5)]
