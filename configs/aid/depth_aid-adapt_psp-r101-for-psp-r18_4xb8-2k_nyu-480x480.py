# AID stage 1 on NYU-Depth-v2: adapt the PSP-R101 depth teacher to the PSP-R18 student
# (log-depth correlation; SiLog anchor to the original teacher). At most +0.01 m RMSE.
_base_ = ['../_base_/depth_nyu-480x480.py', '../_base_/models/depth_psp.py']
model = dict(
    type='mmkd.AIDTeacherAdapter',
    teacher=dict(_base_.depth_psp_r101, pretrained=None),
    teacher_ckpt='work_dirs/depth_psp-r101_4xb8-25k_nyu-480x480/iter_25000.pth',
    reference_student=dict(_base_.depth_psp_r18, pretrained=None),
    reference_student_ckpt='work_dirs/depth_psp-r18_4xb8-25k_nyu-480x480/iter_25000.pth',
    taps=dict(logits='decode_head.depth_act'),
    relation=dict(type='mmkd.LogDepthRelation'),
    anchor=dict(type='mmkd.DepthResponseLoss', mode='silog'),
    alpha=1.0,
    beta=1.0,
)
adapt_iters = 2000
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=adapt_iters)]
train_cfg = dict(max_iters=adapt_iters, val_interval=500)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=500))
custom_hooks = [dict(type='mmkd.AIDEarlyStopHook', metric='rmse', rule='less', tolerance=0.01)]
