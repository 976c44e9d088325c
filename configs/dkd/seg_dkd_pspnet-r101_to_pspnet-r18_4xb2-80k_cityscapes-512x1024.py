# Decoupled KD per pixel on Cityscapes: PSPNet-R101 -> PSPNet-R18. The paper has no
# segmentation setting: TCKD/NCKD per pixel of the 1/8-resolution logits (labels resized by
# nearest neighbour, 255 ignored), tau 1 and weight 3 as pixel KD here, alpha 1 / beta 8 as on
# CIFAR, warm-up over 1/12 of the schedule (the CIFAR ratio, 20 of 240 epochs). Untuned.
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
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        dkd=dict(
            type='mmkd.DKDLoss',
            alpha=1.0,
            beta=8.0,
            tau=1.0,
            loss_weight=3.0,
            warmup=6667,
            warmup_by='iter',
            ignore_index=255,
            student='logits',
            teacher='logits',
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
