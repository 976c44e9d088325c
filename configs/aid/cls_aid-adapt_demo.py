# AID stage 1 on the real sklearn digits: adapt the ResNet-20 teacher to the ResNet-8 student.
# Needs: bash tools/benchmark/demo_models.sh cls cls-student
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
model = dict(
    type='mmkd.AIDTeacherAdapter',
    teacher=_base_.cls_demo_teacher,
    teacher_ckpt='work_dirs/cls_resnet20_demo-15e_embedded-digits/epoch_15.pth',
    reference_student=_base_.cls_demo_student,
    reference_student_ckpt='work_dirs/cls_resnet8_demo-15e_embedded-digits/epoch_15.pth',
    taps=dict(logits='head.fc'),
    relation=dict(type='mmkd.IntraClassRelation', tau=4.0),
    anchor=dict(type='mmkd.KLDivergence', tau=4.0),
    alpha=1.0,
    beta=1.0,
)
# a short fine-tuning: 5 epochs at a constant small learning rate, validation every epoch
optim_wrapper = dict(optimizer=dict(lr=0.005))
param_scheduler = dict(_delete_=True, type='ConstantLR', factor=1.0, by_epoch=True)
train_cfg = dict(max_epochs=5, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=5))
custom_hooks = [dict(type='mmkd.AIDEarlyStopHook', metric='accuracy/top1', tolerance=0.5)]
