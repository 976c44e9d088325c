# DIST per pixel on the embedded street scenes (the segmentation values: beta = gamma = tau = 1).
_base_ = ['../kd/seg_kd_demo.py']
model = dict(
    losses=dict(_delete_=True,
                dist=dict(type='mmkd.DISTLoss', beta=1.0, gamma=1.0, tau=1.0,
                          student='logits', teacher='logits')))
