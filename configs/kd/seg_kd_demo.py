# KD on the embedded street scenes: the demo teacher -> the demo student, pixel-wise KL on
# the class logits. Matches seg_kd_pspnet-r101_to_pspnet-r18_...cityscapes at CPU scale.
# Train the teacher first: tools/train.py configs/models/seg_pspnet-r18w32_demo-600it_embedded-cityscapes.py
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-600it_embedded-cityscapes/iter_600.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence', tau=1.0, loss_weight=3.0, student='logits', teacher='logits'
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
