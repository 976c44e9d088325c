# AT + SFKD on the embedded street scenes: attention transfer at the last backbone stage on the
# top 60% of each teacher attention map (per sample). Baseline: ../at/seg_at_demo.py
_base_ = ['../at/seg_at_demo.py']
model = dict(losses=dict(at=dict(teacher_mask=dict(ratio=0.6))))
