# DIST on the embedded digits: ResNet-20 -> ResNet-8 (the CIFAR values: beta = gamma = 2,
# tau = 4, CE 1.0).
_base_ = ['../kd/cls_kd_demo.py']
model = dict(
    losses=dict(_delete_=True,
                dist=dict(type='mmkd.DISTLoss', beta=2.0, gamma=2.0, tau=4.0,
                          student='logits', teacher='logits')),
    student_loss_weight=1.0,
)
