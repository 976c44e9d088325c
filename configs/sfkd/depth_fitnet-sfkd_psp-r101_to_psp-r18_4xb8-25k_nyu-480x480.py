# Feature distillation + SFKD for depth on NYU-Depth-v2: PSP-R101 -> PSP-R18. MSE between the
# projected student stage-4 feature and the teacher's, keeping the top 60% of each teacher
# sample's C x H x W values (the others set to 0).
# Baseline: ../fitnet/depth_fitnet_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py
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
            teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6, dim='sample', fill='zero'),
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
