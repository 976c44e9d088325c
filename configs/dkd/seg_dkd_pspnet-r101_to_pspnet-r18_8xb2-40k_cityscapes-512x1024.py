# Decoupled KD per pixel on Cityscapes in the CIRKD protocol (8 GPUs x 2 images, 40k iterations:
# ../_base_/seg_cityscapes-512x1024_8xb2-40k.py): PSPNet-R101 (mmseg zoo, 79.76 mIoU) ->
# PSPNet-R18. Neither the DKD paper nor CIRKD/DIST have a segmentation setting: the loss is that
# of ./seg_dkd_*_4xb2-80k_*.py (tau 1, weight 3, alpha 1 / beta 8, 255 ignored), with the
# warm-up over 1/12 of this 40k schedule (3333 iterations). Untuned.
#   tools/dist_train.sh configs/dkd/seg_dkd_pspnet-r101_to_pspnet-r18_8xb2-40k_cityscapes-512x1024.py 8
_base_ = ['../_base_/seg_cityscapes-512x1024_8xb2-40k.py']
model = dict(
    type='mmkd.Distiller',
    student=dict(cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py', pretrained=None
    ),
    # mmseg's pspnet/metafile.yaml, pspnet_r101-d8_4xb2-80k_cityscapes-512x1024
    teacher_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/pspnet_r101-d8_512x1024_80k_cityscapes/pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        dkd=dict(
            type='mmkd.DKDLoss',
            alpha=1.0,
            beta=8.0,
            tau=1.0,
            loss_weight=3.0,
            warmup=3333,
            warmup_by='iter',
            ignore_index=255,
            student='logits',
            teacher='logits',
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
