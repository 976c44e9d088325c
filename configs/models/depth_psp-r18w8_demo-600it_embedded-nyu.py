# The demo's depth student trained alone.
_base_ = ['../_base_/depth_demo.py', '../_base_/models/demo_depth.py']
model = _base_.depth_demo_student
