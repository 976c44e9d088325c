# DIST on CIFAR-100: WRN-40-2 -> WRN-16-2 (same settings as the ResNet-32x4 pair).
_base_ = ['../kd/cls_kd_wrn40-2_to_wrn16-2_1xb64-240e_cifar100.py']
model = dict(
    losses=dict(_delete_=True,
                dist=dict(type='mmkd.DISTLoss', beta=2.0, gamma=2.0, tau=4.0,
                          student='logits', teacher='logits')),
    student_loss_weight=1.0,
)
