# AT + SFKD for depth on the embedded indoor scenes: the teacher's attention map keeps its top
# 60% positions per sample. Baseline: ../at/depth_at_demo.py
_base_ = ['../at/depth_at_demo.py']
model = dict(losses=dict(at=dict(teacher_mask=dict(ratio=0.6))))
