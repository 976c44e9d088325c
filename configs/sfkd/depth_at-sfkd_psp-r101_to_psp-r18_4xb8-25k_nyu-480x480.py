# AT + SFKD for depth on NYU-Depth-v2: PSP-R101 -> PSP-R18. Attention transfer on the last
# backbone stage with the teacher's attention map reduced to its top 60% positions (per sample,
# over H x W) before the normalisation.
# Baseline: ../at/depth_at_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py
_base_ = ['../_base_/depth_nyu-480x480.py', '../_base_/models/depth_psp.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.depth_psp_r18,
    teacher=dict(_base_.depth_psp_r101, pretrained=None),
    teacher_ckpt='work_dirs/depth_psp-r101_4xb8-25k_nyu-480x480/iter_25000.pth',
    taps=dict(c4='backbone[3]'),
    losses=dict(
        at=dict(
            type='mmkd.ATLoss',
            p=2.0,
            loss_weight=28800.0,
            student='c4',
            teacher='c4',
            teacher_mask=dict(ratio=0.6),
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
