# Decoupled KD per pixel on the embedded street scenes (labels resized to the logits, 255
# ignored): alpha 1, beta 8, tau 1, weight 3, warm-up over the first 50 of 600 iterations.
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-600it_embedded-cityscapes/iter_600.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        dkd=dict(
            type='mmkd.DKDLoss',
            alpha=1.0,
            beta=8.0,
            tau=1.0,
            loss_weight=3.0,
            warmup=50,
            warmup_by='iter',
            ignore_index=255,
            student='logits',
            teacher='logits',
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
