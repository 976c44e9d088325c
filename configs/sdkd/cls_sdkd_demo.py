# SDKD on the embedded digits: ResNet-20 -> ResNet-8 (the cls KD demo's pair), fused at layer2.
# SDKD builds its own loss terms: no `losses`.
# Train the teacher first: tools/train.py configs/models/cls_resnet20_demo-15e_embedded-digits.py
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
model = dict(
    type='mmkd.SDKD',
    student=_base_.cls_demo_student,
    teacher=_base_.cls_demo_teacher,
    teacher_ckpt='work_dirs/cls_resnet20_demo-15e_embedded-digits/epoch_15.pth',
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
