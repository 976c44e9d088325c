# Attention transfer on the embedded street scenes: last backbone stage (8x16 positions for the
# 64x128 images), weight ~8 x H*W = 1024. The 1x1 connector (64 -> 256 channels, no BN) only
# satisfies the distiller's shape check; AT itself ignores channels.
_base_ = ['../kd/seg_kd_demo.py']
model = dict(
    taps=dict(_delete_=True, c4='backbone[3]'),
    losses=dict(_delete_=True,
                at=dict(type='mmkd.ATLoss', p=2.0, weight=1024.0, student='c4', teacher='c4',
                        connector=dict(type='mmkd.ConvConnector', in_channels=64,
                                       out_channels=256, norm=False))))
