# The hard segmentation demo's teacher (shapes scenes), trained alone (a plain mmseg model).
_base_ = ['../_base_/seg_shapes_demo.py', '../_base_/models/demo_seg.py']
model = _base_.seg_demo_teacher
