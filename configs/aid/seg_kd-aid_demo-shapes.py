# KD with the AID-adapted teacher on the shapes scenes (the hard segmentation demo,
# docs/demo_hard_seg.md; else ../kd/seg_kd_demo-shapes.py). One command runs both stages:
#   python tools/train.py configs/aid/seg_kd-aid_demo-shapes.py
# stage 1 (configs/aid/seg_aid-adapt_demo-shapes.py) runs first unless its adapted teacher exists.
_base_ = ['../_base_/seg_shapes_demo.py', '../_base_/models/demo_seg.py']
aid_adaptation = dict(
    config='configs/aid/seg_aid-adapt_demo-shapes.py',
    work_dir='work_dirs/seg_aid-adapt_demo-shapes',
)
model = dict(
    type='mmkd.Distiller',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_aid-adapt_demo-shapes/adapted_teacher.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence', tau=1.0, loss_weight=3.0, student='logits', teacher='logits'
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
