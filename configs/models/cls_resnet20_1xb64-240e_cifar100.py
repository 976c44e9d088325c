# The CIFAR-100 student ResNet-20 trained alone: the student-alone baseline, and AID's
# reference student (configs/aid/cls_aid-adapt_resnet56-for-resnet20_1xb64-20e_cifar100.py).
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = _base_.resnet20
custom_hooks = []
