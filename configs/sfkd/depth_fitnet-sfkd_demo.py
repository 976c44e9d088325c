# Feature distillation + SFKD for depth on the embedded indoor scenes: MSE on the last backbone
# stage, teacher reduced to the top 60% of each sample's C x H x W values.
# Baseline: ../fitnet/depth_fitnet_demo.py
_base_ = ['../fitnet/depth_fitnet_demo.py']
model = dict(
    losses=dict(fitnet=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                                   dim='sample', fill='zero'))))
