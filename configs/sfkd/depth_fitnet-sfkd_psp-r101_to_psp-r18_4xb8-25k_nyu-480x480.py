# Feature distillation + SFKD for depth on NYU-Depth-v2: PSP-R101 -> PSP-R18. MSE between the
# projected student stage-4 feature and the teacher's, keeping the top 60% of each teacher
# sample's C x H x W values (the others set to 0).
# Baseline: ../fitnet/depth_fitnet_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py
_base_ = ['../fitnet/depth_fitnet_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py']
model = dict(
    losses=dict(fitnet=dict(teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6,
                                                   dim='sample', fill='zero'))))
