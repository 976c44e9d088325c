# Attention transfer on CIFAR-100: WRN-40-2 -> WRN-16-2, the three group outputs, beta = 1000
# each, CE 1.0 (the CRD/RepDistiller setting).
_base_ = ['../kd/cls_kd_wrn40-2_to_wrn16-2_1xb64-240e_cifar100.py']
model = dict(
    taps=dict(_delete_=True, s1='backbone.layer1', s2='backbone.layer2', s3='backbone.layer3'),
    losses=dict(_delete_=True,
                **{f'at{i}': dict(type='mmkd.ATLoss', p=2.0, weight=1000.0,
                                  student=f's{i}', teacher=f's{i}') for i in (1, 2, 3)}),
    student_loss_weight=1.0,
)
