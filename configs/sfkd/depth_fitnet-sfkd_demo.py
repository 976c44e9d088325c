# Feature distillation + SFKD for depth on the embedded indoor scenes: MSE on the last backbone
# stage, teacher reduced to the top 60% of each sample's C x H x W values.
# Baseline: ../fitnet/depth_fitnet_demo.py
_base_ = ['../_base_/depth_demo.py', '../_base_/models/demo_depth.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.depth_demo_student,
    teacher=_base_.depth_demo_teacher,
    teacher_ckpt='work_dirs/depth_psp-r18w32_demo-600it_embedded-nyu/iter_600.pth',
    taps=dict(c4='backbone[3]'),
    losses=dict(
        fitnet=dict(
            type='mmkd.MSEFeature',
            loss_weight=1.0,
            student='c4',
            teacher='c4',
            connector=dict(type='mmkd.ConvConnector', in_channels=64, out_channels=256),
            teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6, dim='sample', fill='zero'),
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
