# AID stage 1 on Cityscapes for the CIRKD-protocol distillations (8 GPUs x 2 images): adapt
# PSPNet-R101 to PSPNet-R18 (the student trained alone). ./seg_aid-adapt_*_4xb2-4k_*.py at twice
# the batch: the same 32k images in 2k iterations, its constant lr 1e-3 scaled linearly to 2e-3
# (SGD, weight decay 5e-4 as there), validation every 500; the adapted teacher may lose at most
# 0.5 mIoU. Writes work_dirs/<this config>/adapted_teacher.pth.
_base_ = ['../_base_/seg_cityscapes-512x1024_8xb2-40k.py']
model = dict(
    type='mmkd.AIDTeacherAdapter',
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py', pretrained=None
    ),
    # mmseg's pspnet/metafile.yaml, pspnet_r101-d8_4xb2-80k_cityscapes-512x1024
    teacher_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/pspnet_r101-d8_512x1024_80k_cityscapes/pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth',
    reference_student=dict(
        cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py', pretrained=None
    ),
    # mmseg's pspnet/metafile.yaml, pspnet_r18-d8_4xb2-80k_cityscapes-512x1024 (74.87 mIoU)
    reference_student_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/pspnet_r18-d8_512x1024_80k_cityscapes/pspnet_r18-d8_512x1024_80k_cityscapes_20201225_021458-09ffa746.pth',
    taps=dict(logits='decode_head.conv_seg'),
    relation=dict(type='mmkd.IntraClassRelation', tau=4.0),
    anchor=dict(type='mmkd.KLDivergence', tau=1.0),
    alpha=1.0,
    beta=1.0,
)
optim_wrapper = dict(optimizer=dict(lr=2e-3, weight_decay=5e-4))
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=2000)]
train_cfg = dict(max_iters=2000, val_interval=500)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=500))
custom_hooks = [dict(type='mmkd.AIDEarlyStopHook', metric='mIoU', tolerance=0.5)]
