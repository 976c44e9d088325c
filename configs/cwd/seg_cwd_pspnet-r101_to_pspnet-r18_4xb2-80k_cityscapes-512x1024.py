# Channel-wise distillation (Shu et al., ICCV 2021) on Cityscapes: PSPNet-R101 -> PSPNet-R18,
# tau 4, weight 3 on the logits, as in the paper.
_base_ = ['../kd/seg_kd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py']
model = dict(
    losses=dict(_delete_=True,
                cwd=dict(type='mmkd.ChannelWiseDivergence', tau=4.0, weight=3.0,
                         student='logits', teacher='logits')))
