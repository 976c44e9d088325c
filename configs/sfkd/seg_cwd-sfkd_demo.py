# CWD + SFKD on the embedded street scenes: channel-wise distillation (tau 4, weight 3) of the
# teacher logits after keeping the top-12 of the 19 classes of every pixel.
_base_ = ['../kd/seg_kd_demo.py']
model = dict(
    losses=dict(_delete_=True,
                cwd=dict(type='mmkd.ChannelWiseDivergence', tau=4.0, weight=3.0,
                         student='logits', teacher='logits',
                         teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                                dim='channel', fill='zero'))))
