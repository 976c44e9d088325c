# Decoupled KD per pixel on the embedded street scenes (labels resized to the logits, 255
# ignored): alpha 1, beta 8, tau 1, weight 3, warm-up over the first 50 of 600 iterations.
_base_ = ['../kd/seg_kd_demo.py']
model = dict(
    losses=dict(_delete_=True,
                dkd=dict(type='mmkd.DKDLoss', alpha=1.0, beta=8.0, tau=1.0, weight=3.0,
                         warmup=50, warmup_by='iter', ignore_index=255,
                         student='logits', teacher='logits')))
