# AID stage 1 on the shapes scenes (the hard segmentation demo, docs/demo_hard_seg.md):
# ./seg_aid-adapt_demo.py with the shapes teacher and student alone, on the shapes data. Needs
# both trained first (configs/models/seg_pspnet-r18w{32,8}_demo-2400it_embedded-shapes.py);
# writes work_dirs/seg_aid-adapt_demo-shapes/adapted_teacher.pth.
_base_ = ['../_base_/seg_shapes_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.AIDTeacherAdapter',
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-2400it_embedded-shapes/iter_2400.pth',
    reference_student=_base_.seg_demo_student,
    reference_student_ckpt='work_dirs/seg_pspnet-r18w8_demo-2400it_embedded-shapes/iter_2400.pth',
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
