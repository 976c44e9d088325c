# The hard segmentation demo's student (shapes scenes) trained alone: the baseline distillation
# must beat.
_base_ = ['../_base_/seg_shapes_demo.py', '../_base_/models/demo_seg.py']
model = _base_.seg_demo_student
