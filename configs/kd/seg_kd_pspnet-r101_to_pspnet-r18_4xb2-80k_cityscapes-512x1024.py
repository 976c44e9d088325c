# Pixel-wise KD on Cityscapes: PSPNet-R101 (teacher) -> PSPNet-R18 (student), both from mmseg.
# Data, schedule and runtime are those of mmseg's own student config.
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
            type='mmkd.KLDivergence', tau=1.0, loss_weight=3.0, student='logits', teacher='logits'
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
