# Train a CIFAR-100 model of the KD zoo alone (a teacher, or the student-alone baseline).
# Other zoo models: python tools/train.py THIS --cfg-options "model=..." or copy this file.
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = _base_.resnet56
custom_hooks = []
