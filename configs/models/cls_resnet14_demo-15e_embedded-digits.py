# The second teacher of the multi-teacher demo (configs/sfkd/cls_kd-sfkd_2teachers_demo.py):
# CIFAR ResNet-14 on the digits, trained alone.
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
model = _base_.cls_demo_teacher2
