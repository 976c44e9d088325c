# DIST on the embedded digits: ResNet-20 -> ResNet-8 (the CIFAR values: beta = gamma = 2,
# tau = 4, CE 1.0).
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.cls_demo_student,
    teacher=_base_.cls_demo_teacher,
    teacher_ckpt='work_dirs/cls_resnet20_demo-15e_embedded-digits/epoch_15.pth',
    taps=dict(logits='head.fc'),
    losses=dict(dist=dict(type='mmkd.DISTLoss', beta=2.0, gamma=2.0, tau=4.0,
                          student='logits', teacher='logits')),
    student_loss_weight=1.0,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
