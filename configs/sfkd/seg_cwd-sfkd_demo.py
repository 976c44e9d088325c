# CWD + SFKD on the embedded street scenes: channel-wise distillation (tau 4, weight 3) of the
# teacher logits after keeping the top-12 of the 19 classes of every pixel.
# Baseline: ../cwd/seg_cwd_demo.py
_base_ = ['../cwd/seg_cwd_demo.py']
model = dict(
    losses=dict(cwd=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                                dim='channel', fill='zero'))))
