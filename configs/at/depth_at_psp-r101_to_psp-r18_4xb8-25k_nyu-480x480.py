# Attention transfer for monocular depth on NYU-Depth-v2: PSP-R101 -> PSP-R18 on the last
# backbone stage (stride 8: 60x60 positions for a 480x480 crop), weight ~8 x H*W (see
# ../at/seg_at_*.py; untuned). No connector: AT compares channel-free maps.
_base_ = ['../_base_/depth_nyu-480x480.py', '../_base_/models/depth_psp.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.depth_psp_r18,
    teacher=dict(_base_.depth_psp_r101, pretrained=None),
    teacher_ckpt='work_dirs/depth_psp-r101_4xb8-25k_nyu-480x480/iter_25000.pth',
    taps=dict(c4='backbone[3]'),
    losses=dict(
        at=dict(type='mmkd.ATLoss', p=2.0, loss_weight=28800.0, student='c4', teacher='c4')
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
