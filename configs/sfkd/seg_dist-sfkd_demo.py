# DIST + SFKD on the embedded street scenes: DIST's per-pixel relations on the teacher's top-12
# of the 19 class logits of every pixel (the others set to 0). Baseline: ../dist/seg_dist_demo.py
_base_ = ['../dist/seg_dist_demo.py']
model = dict(
    losses=dict(dist=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                                 dim='channel', fill='zero'))))
