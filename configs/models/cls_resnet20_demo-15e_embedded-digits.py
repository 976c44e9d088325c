# The demo's classification teacher, trained alone (a plain mmpretrain model).
_base_ = [
    'mmpretrain::_base_/default_runtime.py',
    '../_base_/datasets/embedded_digits.py',
    '../_base_/schedules/demo_cls_cpu.py',
    '../_base_/models/demo_cls.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
model = _base_.cls_demo_teacher
# mmpretrain's runtime defines these; adjusted here for the short schedule
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=15),
                     logger=dict(type='LoggerHook', interval=10))
randomness = dict(seed=0)
