# AID stage 1 on the embedded street scenes: adapt the demo teacher to the demo student.
# Needs the teacher and the student trained alone (bash tools/benchmark/demo_models.sh seg
# seg-student); writes work_dirs/seg_aid-adapt_demo/adapted_teacher.pth.
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.AIDTeacherAdapter',
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-600it_embedded-cityscapes/iter_600.pth',
    reference_student=_base_.seg_demo_student,
    reference_student_ckpt='work_dirs/seg_pspnet-r18w8_demo-600it_embedded-cityscapes/iter_600.pth',
    taps=dict(logits='decode_head.conv_seg'),
    relation=dict(type='mmkd.IntraClassRelation', tau=4.0),
    anchor=dict(type='mmkd.KLDivergence', tau=1.0),
    alpha=1.0,
    beta=1.0,
)
# a short fine-tuning: constant small learning rate, validation every 30 iterations
adapt_iters = 150
optim_wrapper = dict(optimizer=dict(lr=2e-4))
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=adapt_iters)]
train_cfg = dict(max_iters=adapt_iters, val_interval=30)
default_hooks = dict(checkpoint=dict(interval=adapt_iters), logger=dict(interval=30))
custom_hooks = [dict(type='mmkd.AIDEarlyStopHook', metric='mIoU', tolerance=1.0)]
