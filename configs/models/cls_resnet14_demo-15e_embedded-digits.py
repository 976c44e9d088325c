# The second teacher of the multi-teacher demo (configs/sfkd/cls_kd-sfkd_2teachers_demo.py):
# CIFAR ResNet-14 on the digits, trained alone.
_base_ = ['./cls_resnet20_demo-15e_embedded-digits.py']
model = dict(_delete_=True, **_base_.cls_demo_teacher2)
