# KD from the AID-adapted PSPNet-R101 to PSPNet-R18 on Cityscapes in the CIRKD protocol (8 GPUs x
# 2 images, 40k iterations; without AID:
# ../kd/seg_kd_pspnet-r101_to_pspnet-r18_8xb2-40k_cityscapes-512x1024.py, the same KD); both stages:
#   tools/dist_train.sh configs/aid/seg_kd-aid_pspnet-r101_to_pspnet-r18_8xb2-40k_cityscapes-512x1024.py 8
_base_ = ['../_base_/seg_cityscapes-512x1024_8xb2-40k.py']
aid_adaptation = dict(
    config='configs/aid/seg_aid-adapt_pspnet-r101-for-pspnet-r18_8xb2-2k_cityscapes-512x1024.py',
    work_dir='work_dirs/seg_aid-adapt_pspnet-r101-for-pspnet-r18_8xb2-2k_cityscapes-512x1024',
)
model = dict(
    type='mmkd.Distiller',
    student=dict(cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py', pretrained=None
    ),
    teacher_ckpt='work_dirs/seg_aid-adapt_pspnet-r101-for-pspnet-r18_8xb2-2k_'
    'cityscapes-512x1024/adapted_teacher.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence', tau=1.0, loss_weight=1.0, student='logits', teacher='logits'
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
