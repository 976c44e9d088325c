# FitNet-style feature distillation for depth on the embedded indoor scenes: MSE between the last
# backbone stages (student 64 -> teacher 256 channels through a 1x1 conv + BN), weight 1.
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
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
