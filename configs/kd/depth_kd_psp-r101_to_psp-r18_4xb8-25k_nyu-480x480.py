# Depth response distillation on NYU-Depth-v2: PSP-R101 (teacher) -> PSP-R18 (student); the
# student matches the teacher's depth map with a scale-invariant log loss.
_base_ = ['../_base_/depth_nyu-480x480.py', '../_base_/models/depth_psp.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.depth_psp_r18,
    teacher=dict(_base_.depth_psp_r101, pretrained=None),
    teacher_ckpt='work_dirs/depth_psp-r101_4xb8-25k_nyu-480x480/iter_25000.pth',
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
