# FitNet on CIFAR-100: WRN-40-2 -> WRN-16-2, MSE hint on the second group (64 channels in both)
# through a 1x1 conv + BN regressor, beta = 100, CE 1.0.
_base_ = ['../kd/cls_kd_wrn40-2_to_wrn16-2_1xb64-240e_cifar100.py']
model = dict(
    taps=dict(_delete_=True, hint='backbone.layer2'),
    losses=dict(_delete_=True,
                fitnet=dict(type='mmkd.MSEFeature', weight=100.0, student='hint', teacher='hint',
                            connector=dict(type='mmkd.ConvConnector', in_channels=64,
                                           out_channels=64))),
    student_loss_weight=1.0,
)
