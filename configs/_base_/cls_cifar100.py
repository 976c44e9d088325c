# CIFAR-100 at paper scale: mmpretrain's data and runtime, the KD schedule of the literature
# (240 epochs, batch 64). No model: a config adds one from ./models/cifar_kd_zoo.py.
_base_ = [
    'mmpretrain::_base_/datasets/cifar100_bs16.py',
    'mmpretrain::_base_/default_runtime.py',
    './schedules/cifar_kd_240e.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
train_dataloader = dict(batch_size=64)
val_dataloader = dict(batch_size=128)
test_dataloader = dict(batch_size=128)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3))
