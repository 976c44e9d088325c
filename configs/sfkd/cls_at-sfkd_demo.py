# AT + SFKD on the embedded digits: ResNet-20 -> ResNet-8, attention transfer at the three stages
# on the top 60% of each teacher attention map (per sample). Baseline: ../at/cls_at_demo.py
_base_ = ['../at/cls_at_demo.py']
model = dict(losses={f'at{i}': dict(teacher_mask=dict(ratio=0.6)) for i in (1, 2, 3)})
