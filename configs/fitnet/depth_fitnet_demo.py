# FitNet-style feature distillation for depth on the embedded indoor scenes: MSE between the last
# backbone stages (student 64 -> teacher 256 channels through a 1x1 conv + BN), weight 1.
_base_ = ['../kd/depth_kd_demo.py']
model = dict(
    taps=dict(_delete_=True, c4='backbone[3]'),
    losses=dict(_delete_=True,
                fitnet=dict(type='mmkd.MSEFeature', weight=1.0, student='c4', teacher='c4',
                            connector=dict(type='mmkd.ConvConnector', in_channels=64,
                                           out_channels=256))))
