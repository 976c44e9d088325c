# Decoupled KD on the embedded digits: ResNet-20 -> ResNet-8 (the CIFAR recipe at CPU scale:
# alpha 1, beta 8, tau 4, CE 1.0, warm-up over the first 2 of 15 epochs).
_base_ = ['../kd/cls_kd_demo.py']
model = dict(
    losses=dict(_delete_=True,
                dkd=dict(type='mmkd.DKDLoss', alpha=1.0, beta=8.0, tau=4.0, warmup=2,
                         warmup_by='epoch', student='logits', teacher='logits')),
    student_loss_weight=1.0,
)
