# The demo's classification teacher, trained alone (a plain mmpretrain model).
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
model = _base_.cls_demo_teacher
