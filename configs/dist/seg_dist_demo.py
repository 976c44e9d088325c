# DIST per pixel on the embedded street scenes (the segmentation values: beta = gamma = tau = 1).
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-600it_embedded-cityscapes/iter_600.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(dist=dict(type='mmkd.DISTLoss', beta=1.0, gamma=1.0, tau=1.0,
                          student='logits', teacher='logits')),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
