# FitNet (Romero et al., ICLR 2015) on CIFAR-100: ResNet-32x4 -> ResNet-8x4, the CRD/RepDistiller
# setting trained in one stage: CE 1.0, MSE hint on the second stage (128 channels in both)
# through a trainable 1x1 conv + BN regressor, beta = 100.
_base_ = ['../kd/cls_kd_resnet32x4_to_resnet8x4_1xb64-240e_cifar100.py']
model = dict(
    taps=dict(_delete_=True, hint='backbone.layer2'),
    losses=dict(_delete_=True,
                fitnet=dict(type='mmkd.MSEFeature', weight=100.0, student='hint', teacher='hint',
                            connector=dict(type='mmkd.ConvConnector', in_channels=128,
                                           out_channels=128))),
    student_loss_weight=1.0,
)
