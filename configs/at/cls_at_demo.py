# Attention transfer on the embedded digits: ResNet-20 -> ResNet-8 on the three stage outputs
# (same widths: 16, 32, 64 channels), beta = 1000 each, CE 1.0 (the CIFAR setting).
_base_ = ['../kd/cls_kd_demo.py']
model = dict(
    taps=dict(_delete_=True, s1='backbone.layer1', s2='backbone.layer2', s3='backbone.layer3'),
    losses=dict(_delete_=True,
                **{f'at{i}': dict(type='mmkd.ATLoss', p=2.0, weight=1000.0,
                                  student=f's{i}', teacher=f's{i}') for i in (1, 2, 3)}),
    student_loss_weight=1.0,
)
