# Depth response distillation on the embedded indoor scenes: the student also matches the
# teacher's depth map (scale-invariant log). Matches depth_kd_psp-r101_to_psp-r18_..._nyu.
# Train the teacher first: tools/train.py configs/models/depth_psp-r18w32_demo-600it_embedded-nyu.py
_base_ = ['../_base_/depth_demo.py', '../_base_/models/demo_depth.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.depth_demo_student,
    teacher=_base_.depth_demo_teacher,
    teacher_ckpt='work_dirs/depth_psp-r18w32_demo-600it_embedded-nyu/iter_600.pth',
    taps=dict(depth='decode_head.depth_act'),
    losses=dict(
        depth=dict(
            type='mmkd.DepthResponseLoss',
            mode='silog',
            loss_weight=1.0,
            student='depth',
            teacher='depth',
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
