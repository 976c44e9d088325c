# DKD + SFKD on the embedded street scenes: per-pixel DKD on the teacher's top-12 of the 19
# class logits of every pixel (the others set to 0). Baseline: ../dkd/seg_dkd_demo.py
_base_ = ['../dkd/seg_dkd_demo.py']
model = dict(
    losses=dict(dkd=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                                dim='channel', fill='zero'))))
