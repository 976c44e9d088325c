# Channel-wise distillation on the embedded street scenes: every class channel of the logits
# softened over its pixels (tau 4, weight 3, as in the paper). Matches
# seg_cwd_pspnet-r101_to_pspnet-r18_...cityscapes at CPU scale.
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-600it_embedded-cityscapes/iter_600.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        cwd=dict(
            type='mmkd.ChannelWiseDivergence',
            tau=4.0,
            loss_weight=3.0,
            student='logits',
            teacher='logits',
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
