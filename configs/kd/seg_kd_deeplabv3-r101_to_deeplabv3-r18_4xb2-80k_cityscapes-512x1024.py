# Pixel-wise KD on Cityscapes: DeepLabV3-R101 (teacher) -> DeepLabV3-R18 (student).
_base_ = ['../_base_/seg_cityscapes-512x1024.py']
model = dict(
    type='mmkd.Distiller',
    student=dict(cfg_path='mmseg::deeplabv3/deeplabv3_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(
        cfg_path='mmseg::deeplabv3/deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024.py',
        pretrained=None,
    ),
    teacher_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/deeplabv3/'
    'deeplabv3_r101-d8_512x1024_80k_cityscapes/'
    'deeplabv3_r101-d8_512x1024_80k_cityscapes_20200606_113503-9e428899.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence', tau=1.0, loss_weight=3.0, student='logits', teacher='logits'
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
