# KD in the label-scarce demo, on the 20 annotated frames only: the same images and labels as
# the student alone, plus the teacher's predictions. The KL is taken on the logits upsampled
# x8 to the image, where the cross-entropy acts (configs/kd/README.md says why).
# The teacher: configs/models/seg_pspnet-r18w32_demo-600it_embedded-cityscapes-20labelled.py
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-600it_embedded-cityscapes-20labelled/'
    'iter_600.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence',
            tau=1.0,
            loss_weight=3.0,
            upsample=8,
            student='logits',
            teacher='logits',
        )
    ),
)
train_dataloader = dict(dataset=dict(indices=20))
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
