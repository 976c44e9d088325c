# Classification demo: the real sklearn digits at 32x32, a 15-epoch CPU schedule, mmpretrain's
# runtime. No model: a config adds one from ./models/demo_cls.py.
_base_ = [
    'mmpretrain::_base_/default_runtime.py',
    './datasets/embedded_digits.py',
    './schedules/demo_cls_cpu.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
# mmpretrain's runtime defines these; adjusted here for the short schedule
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=15), logger=dict(type='LoggerHook', interval=10)
)
randomness = dict(seed=0)
