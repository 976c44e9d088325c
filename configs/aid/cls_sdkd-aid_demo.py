# SDKD with the AID-adapted teacher on the cls demo data (else ../sdkd/cls_sdkd_demo.py). One
# command runs both stages:
#   python tools/train.py configs/aid/cls_sdkd-aid_demo.py
# stage 1 (configs/aid/cls_aid-adapt_demo.py) runs first unless its adapted teacher exists.
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
aid_adaptation = dict(
    config='configs/aid/cls_aid-adapt_demo.py', work_dir='work_dirs/cls_aid-adapt_demo'
)
model = dict(
    type='mmkd.SDKD',
    student=_base_.cls_demo_student,
    teacher=_base_.cls_demo_teacher,
    teacher_ckpt='work_dirs/cls_aid-adapt_demo/adapted_teacher.pth',
    taps=dict(logits='head.fc'),
    student_loss_weight=1.0,
    fusion=dict(student='backbone.layer2', teacher='backbone.layer2'),
    ffb=dict(channels=32, num_convs=2),
    tau=4.0,
    lambda_=1.0,
)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'ffb': dict(lr_mult=1.0)}))
custom_hooks = [
    dict(type='mmkd.TeacherReferenceHook'),
    dict(type='mmkd.SDKDPhaseHook', begin_epoch=7),
]
