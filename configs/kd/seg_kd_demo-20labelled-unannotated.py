# KD in the label-scarce demo with a transfer set: the 20 annotated frames plus the 280
# unannotated ones of train_extra (label maps all 255 = ignore), where only the KD loss has a
# target. Same labels as the student alone; distillation adds the teacher's predictions on
# frames nobody labelled (Hinton et al.'s transfer set). The model is seg_kd_demo-20labelled's.
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
_unannotated = dict(
    type=_base_.dataset_type,
    data_root=_base_.data_root,
    pipeline=_base_.train_pipeline,
    data_prefix=dict(img_path='leftImg8bit/train_extra', seg_map_path='gtFine/train_extra'),
)
# the base's dataset is replaced by the concatenation (its first 20 frames + the unannotated)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[dict(_base_.train_dataloader.dataset, indices=20), _unannotated],
    )
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
