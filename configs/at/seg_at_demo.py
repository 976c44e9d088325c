# Attention transfer on the embedded street scenes: last backbone stage (8x16 positions for the
# 64x128 images), weight ~8 x H*W = 1024. AT compares channel-free maps, so the 64- and
# 256-channel stages need no connector.
_base_ = ['../kd/seg_kd_demo.py']
model = dict(
    taps=dict(_delete_=True, c4='backbone[3]'),
    losses=dict(_delete_=True,
                at=dict(type='mmkd.ATLoss', p=2.0, weight=1024.0, student='c4', teacher='c4')))
