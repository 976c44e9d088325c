# The demo's classification student trained alone.
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
model = _base_.cls_demo_student
