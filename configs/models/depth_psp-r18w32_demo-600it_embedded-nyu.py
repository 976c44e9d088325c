# The demo's depth teacher, trained alone (a plain mmseg DepthEstimator with mmkd's head).
_base_ = ['../_base_/depth_demo.py', '../_base_/models/demo_depth.py']
model = _base_.depth_demo_teacher
