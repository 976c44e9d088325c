# FitNet-style feature distillation for depth on NYU-Depth-v2: PSP-R101 -> PSP-R18, MSE between
# the last backbone stages (student 512 -> teacher 2048 channels through a 1x1 conv + BN).
# Weight 1, untuned.
_base_ = ['../_base_/depth_nyu-480x480.py', '../_base_/models/depth_psp.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.depth_psp_r18,
    teacher=dict(_base_.depth_psp_r101, pretrained=None),
    teacher_ckpt='work_dirs/depth_psp-r101_4xb8-25k_nyu-480x480/iter_25000.pth',
    taps=dict(c4='backbone[3]'),
    losses=dict(
        fitnet=dict(
            type='mmkd.MSEFeature',
            loss_weight=1.0,
            student='c4',
            teacher='c4',
            connector=dict(type='mmkd.ConvConnector', in_channels=512, out_channels=2048),
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
