# DIST + SFKD on the embedded digits: ResNet-20 -> ResNet-8, DIST's relations on the teacher's
# top-6 of the 10 logits per sample (the others set to 0). Baseline: ../dist/cls_dist_demo.py
_base_ = ['../dist/cls_dist_demo.py']
model = dict(
    losses=dict(dist=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                                 dim='channel', fill='zero'))))
