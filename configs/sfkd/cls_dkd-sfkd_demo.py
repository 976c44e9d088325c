# DKD + SFKD on the embedded digits: ResNet-20 -> ResNet-8, DKD on the teacher's top-6 of the 10
# logits per sample (the others set to 0). Baseline: ../dkd/cls_dkd_demo.py
_base_ = ['../dkd/cls_dkd_demo.py']
model = dict(
    losses=dict(dkd=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                                dim='channel', fill='zero'))))
