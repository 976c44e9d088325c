# FitNet-style feature distillation for depth on NYU-Depth-v2: PSP-R101 -> PSP-R18, MSE between
# the last backbone stages (student 512 -> teacher 2048 channels through a 1x1 conv + BN).
# Weight 1, untuned.
_base_ = ['../kd/depth_kd_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py']
model = dict(
    taps=dict(_delete_=True, c4='backbone[3]'),
    losses=dict(_delete_=True,
                fitnet=dict(type='mmkd.MSEFeature', weight=1.0, student='c4', teacher='c4',
                            connector=dict(type='mmkd.ConvConnector', in_channels=512,
                                           out_channels=2048))))
