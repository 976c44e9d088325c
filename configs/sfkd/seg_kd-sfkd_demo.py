# Pixel KD + SFKD on the embedded street scenes: top-12 of the 19 class logits of every teacher
# pixel. Baseline: ../kd/seg_kd_demo.py
_base_ = ['../kd/seg_kd_demo.py']
model = dict(
    losses=dict(kd=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                               dim='channel', fill='zero'))))
