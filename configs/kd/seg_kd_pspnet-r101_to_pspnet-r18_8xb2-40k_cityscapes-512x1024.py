# Pixel-wise KD on Cityscapes in the CIRKD protocol (8 GPUs x 2 images, 40k iterations:
# ../_base_/seg_cityscapes-512x1024_8xb2-40k.py): PSPNet-R101 (mmseg zoo, 79.76 mIoU) ->
# PSPNet-R18. KL per pixel of the 1/8-resolution logits, tau 1, weight 1: CIRKD's KD term
# (winycg/CIRKD @ 50fb43c train_kd.py: --kd-temperature 1, --lambda-kd 1; its CriterionKD is the
# per-pixel KL averaged over the pixels, as mmkd.KLDivergence). CIRKD's teacher is its own
# DeepLabV3-R101 (78.07); the 4-GPU (mmseg 80k) variant: ./seg_kd_*_4xb2-80k_*.py.
#   tools/dist_train.sh configs/kd/seg_kd_pspnet-r101_to_pspnet-r18_8xb2-40k_cityscapes-512x1024.py 8
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
        kd=dict(
            type='mmkd.KLDivergence', tau=1.0, loss_weight=1.0, student='logits', teacher='logits'
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
