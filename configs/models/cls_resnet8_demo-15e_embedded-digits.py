# The demo's classification student trained alone.
_base_ = ['./cls_resnet20_demo-15e_embedded-digits.py']
model = dict(_delete_=True, **_base_.cls_demo_student)
