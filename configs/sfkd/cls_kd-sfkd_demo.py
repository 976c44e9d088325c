# KD + SFKD on the embedded digits: ResNet-20 -> ResNet-8, KD (tau 4) on the teacher's top-6 of
# the 10 logits per sample (K = ceil(0.6 * 10) = 6). Baseline: ../kd/cls_kd_demo.py
_base_ = ['../kd/cls_kd_demo.py']
model = dict(
    losses=dict(kd=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                               dim='channel', fill='zero'))))
