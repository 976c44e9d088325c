# AID stage 1 on the embedded indoor scenes: adapt the demo depth teacher to the demo student
# (log-depth correlation across pixels; SiLog anchor to the original teacher).
# Needs: bash tools/benchmark/demo_models.sh depth depth-student
_base_ = ['../_base_/depth_demo.py', '../_base_/models/demo_depth.py']
model = dict(
    type='mmkd.AIDTeacherAdapter',
    teacher=_base_.depth_demo_teacher,
    teacher_ckpt='work_dirs/depth_psp-r18w32_demo-600it_embedded-nyu/iter_600.pth',
    reference_student=_base_.depth_demo_student,
    reference_student_ckpt='work_dirs/depth_psp-r18w8_demo-600it_embedded-nyu/iter_600.pth',
    taps=dict(logits='decode_head.depth_act'),
    relation=dict(type='mmkd.LogDepthRelation'),
    anchor=dict(type='mmkd.DepthResponseLoss', mode='silog'),
    alpha=1.0,
    beta=1.0,
)
# a gentler learning rate than segmentation's: the demo depth teacher's RMSE moves by ~0.02 m
# within 30 iterations of plain fine-tuning at 5e-5 (alpha = 0), more than the tolerance
adapt_iters = 150
optim_wrapper = dict(optimizer=dict(lr=2e-5))
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=adapt_iters)]
train_cfg = dict(max_iters=adapt_iters, val_interval=15)
default_hooks = dict(checkpoint=dict(interval=adapt_iters), logger=dict(interval=30))
# rmse in metres, lower is better; its validation noise here is about +-0.01
custom_hooks = [dict(type='mmkd.AIDEarlyStopHook', metric='rmse', rule='less', tolerance=0.03)]
