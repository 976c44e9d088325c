# DIST (Huang et al., NeurIPS 2022) on CIFAR-100: ResNet-32x4 -> ResNet-8x4. Inter- and
# intra-class Pearson relations of the tau-softened probabilities, CE 1.0.
# beta = gamma = 2, tau = 4: the CIFAR-100 values used with DIST in the literature (check them
# against the paper before quoting its numbers; ImageNet and segmentation use 1, 1, 1).
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.Distiller',
    student=_base_.resnet8x4,
    teacher=_base_.resnet32x4,
    teacher_ckpt='work_dirs/cls_resnet32x4_1xb64-240e_cifar100/epoch_240.pth',
    taps=dict(logits='head.fc'),
    losses=dict(dist=dict(type='mmkd.DISTLoss', beta=2.0, gamma=2.0, tau=4.0,
                          student='logits', teacher='logits')),
    student_loss_weight=1.0,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
