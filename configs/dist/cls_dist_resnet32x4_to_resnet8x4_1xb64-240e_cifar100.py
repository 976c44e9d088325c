# DIST (Huang et al., NeurIPS 2022) on CIFAR-100: ResNet-32x4 -> ResNet-8x4. Inter- and
# intra-class Pearson relations of the tau-softened probabilities, CE 1.0.
# beta = gamma = 2, tau = 4: the CIFAR-100 values used with DIST in the literature (check them
# against the paper before quoting its numbers; ImageNet and segmentation use 1, 1, 1).
_base_ = ['../kd/cls_kd_resnet32x4_to_resnet8x4_1xb64-240e_cifar100.py']
model = dict(
    losses=dict(_delete_=True,
                dist=dict(type='mmkd.DISTLoss', beta=2.0, gamma=2.0, tau=4.0,
                          student='logits', teacher='logits')),
    student_loss_weight=1.0,
)
