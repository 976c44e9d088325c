# Pixel-wise KD on Cityscapes in the CIRKD protocol (8 GPUs x 2 images, 40k iterations:
# ../_base_/seg_cityscapes-512x1024_8xb2-40k.py): DeepLabV3-R101 (mmseg zoo, 80.20 mIoU) ->
# DeepLabV3-R18, CIRKD's own pair (its teacher: 78.07). KL per pixel, tau 1, weight 1: CIRKD's
# KD term (winycg/CIRKD @ 50fb43c train_kd.py: --kd-temperature 1, --lambda-kd 1).
#   tools/dist_train.sh configs/kd/seg_kd_deeplabv3-r101_to_deeplabv3-r18_8xb2-40k_cityscapes-512x1024.py 8
_base_ = ['../_base_/seg_cityscapes-512x1024_8xb2-40k.py']
model = dict(
    type='mmkd.Distiller',
    student=dict(cfg_path='mmseg::deeplabv3/deeplabv3_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(
        cfg_path='mmseg::deeplabv3/deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024.py',
        pretrained=None,
    ),
    # mmseg's deeplabv3/metafile.yaml, deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024
    teacher_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/deeplabv3/deeplabv3_r101-d8_512x1024_80k_cityscapes/deeplabv3_r101-d8_512x1024_80k_cityscapes_20200606_113503-9e428899.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence', tau=1.0, loss_weight=1.0, student='logits', teacher='logits'
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
