# CIFAR-100 data (mmpretrain's), the KD schedule, mmpretrain's runtime and the model zoo.
_base_ = [
    'mmpretrain::_base_/datasets/cifar100_bs16.py',
    'mmpretrain::_base_/default_runtime.py',
    './schedules/cifar_kd_240e.py',
    './models/cifar_kd_zoo.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
train_dataloader = dict(batch_size=64)
val_dataloader = dict(batch_size=128)
test_dataloader = dict(batch_size=128)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3))
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
