# Attention transfer for depth on the embedded indoor scenes: last backbone stage (12x16
# positions for the 96x128 images), weight ~8 x H*W = 1536, no response loss. AT compares
# channel-free maps, so the 64- and 256-channel stages need no connector.
_base_ = ['../kd/depth_kd_demo.py']
model = dict(
    taps=dict(_delete_=True, c4='backbone[3]'),
    losses=dict(_delete_=True,
                at=dict(type='mmkd.ATLoss', p=2.0, weight=1536.0, student='c4', teacher='c4')))
