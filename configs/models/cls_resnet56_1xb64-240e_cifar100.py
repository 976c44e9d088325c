# Train a CIFAR-100 model of the KD zoo alone (a teacher, or the student-alone baseline).
# Other zoo models: python tools/train.py THIS --cfg-options "model=..." or copy this file.
# Or, instead of training it, convert the shared teacher (mdistiller's cifar_teachers.tar or
# RepDistiller's fetch_pretrained_teachers.sh) to the path the resnet56 distill configs load:
#   python tools/model_converters/cifar_teachers.py cifar_teachers/resnet56_vanilla/ckpt_epoch_240.pth work_dirs/cls_resnet56_1xb64-240e_cifar100/epoch_240.pth
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = _base_.resnet56
custom_hooks = []
