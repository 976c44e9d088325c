# Attention transfer (Zagoruyko & Komodakis, ICLR 2017) on CIFAR-100: ResNet-32x4 -> ResNet-8x4.
# The CRD/RepDistiller setting: CE 1.0, no KD, AT (p = 2) on the outputs of the three stages
# with beta = 1000 each (the loss is the mean squared difference of the normalised maps).
_base_ = ['../kd/cls_kd_resnet32x4_to_resnet8x4_1xb64-240e_cifar100.py']
model = dict(
    taps=dict(_delete_=True, s1='backbone.layer1', s2='backbone.layer2', s3='backbone.layer3'),
    losses=dict(_delete_=True,
                **{f'at{i}': dict(type='mmkd.ATLoss', p=2.0, weight=1000.0,
                                  student=f's{i}', teacher=f's{i}') for i in (1, 2, 3)}),
    student_loss_weight=1.0,
)
