# Decoupled KD on CIFAR-100: WRN-40-2 (teacher) -> WRN-16-2 (student). The official setting for
# this pair: CE 1.0, alpha 1, beta 6, tau 4, 20 warm-up epochs.
_base_ = ['../kd/cls_kd_wrn40-2_to_wrn16-2_1xb64-240e_cifar100.py']
model = dict(
    losses=dict(_delete_=True,
                dkd=dict(type='mmkd.DKDLoss', alpha=1.0, beta=6.0, tau=4.0, warmup=20,
                         warmup_by='epoch', student='logits', teacher='logits')),
    student_loss_weight=1.0,
)
