# The CIFAR-100 teacher WRN-40-2 trained alone: the teacher of the wrn40-2_to_wrn16-2 distill
# configs, which load work_dirs/cls_wrn40-2_1xb64-240e_cifar100/epoch_240.pth.
# Or, instead of training it, convert the shared teacher (mdistiller's cifar_teachers.tar or
# RepDistiller's fetch_pretrained_teachers.sh) to that very path:
#   python tools/model_converters/cifar_teachers.py cifar_teachers/wrn_40_2_vanilla/ckpt_epoch_240.pth work_dirs/cls_wrn40-2_1xb64-240e_cifar100/epoch_240.pth
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = _base_.wrn_40_2
custom_hooks = []
