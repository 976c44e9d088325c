# AT + SFKD for depth on NYU-Depth-v2: PSP-R101 -> PSP-R18. Attention transfer on the last
# backbone stage with the teacher's attention map reduced to its top 60% positions (per sample,
# over H x W) before the normalisation.
# Baseline: ../at/depth_at_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py
_base_ = ['../at/depth_at_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py']
model = dict(losses=dict(at=dict(teacher_mask=dict(ratio=0.6))))
