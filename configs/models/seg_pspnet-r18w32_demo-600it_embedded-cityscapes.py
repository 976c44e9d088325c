# The demo's segmentation teacher, trained alone (a plain mmseg model: no mmkd wrapper).
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = _base_.seg_demo_teacher
