# Attention transfer for monocular depth on NYU-Depth-v2: PSP-R101 -> PSP-R18 on the last
# backbone stage (stride 8: 60x60 positions for a 480x480 crop), weight ~8 x H*W (see
# ../at/seg_at_*.py; untuned). No connector: AT compares channel-free maps.
_base_ = ['../kd/depth_kd_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py']
model = dict(
    taps=dict(_delete_=True, c4='backbone[3]'),
    losses=dict(_delete_=True,
                at=dict(type='mmkd.ATLoss', p=2.0, weight=28800.0, student='c4', teacher='c4')))
