# Channel-wise distillation on the embedded street scenes: every class channel of the logits
# softened over its pixels (tau 4, weight 3, as in the paper). Matches
# seg_cwd_pspnet-r101_to_pspnet-r18_...cityscapes at CPU scale.
_base_ = ['../kd/seg_kd_demo.py']
model = dict(
    losses=dict(_delete_=True,
                cwd=dict(type='mmkd.ChannelWiseDivergence', tau=4.0, weight=3.0,
                         student='logits', teacher='logits')))
