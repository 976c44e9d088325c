# Pixel KD + SFKD on Cityscapes: PSPNet-R101 -> PSPNet-R18. Pixel-wise KL (tau 1, weight 3) on the
# teacher's top-K class logits of every pixel (K = ceil(0.6 * 19) = 12), the others set to 0.
# Baseline: ../kd/seg_kd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py
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
        kd=dict(
            type='mmkd.KLDivergence',
            tau=1.0,
            loss_weight=3.0,
            student='logits',
            teacher='logits',
            teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6, dim='channel', fill='zero'),
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
