# Hard segmentation demo: mmkd's embedded shapes scenes (64x64, Cityscapes layout; classes differ
# by shape and context, not colour), mmseg's runtime, the demo CPU schedule (AdamW, poly decay)
# run for 2400 iterations: shape detectors take longer to learn than the street scenes' textures
# (the w32 teacher reaches 25.7 val mIoU after 1200 iterations, 48.1 after 2400).
# No model: a config adds one from ./models/demo_seg.py.
_base_ = [
    'mmseg::_base_/default_runtime.py',
    './datasets/embedded_shapes.py',
    './schedules/demo_cpu.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
shapes_iters = 2400
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=shapes_iters, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=shapes_iters, val_interval=shapes_iters)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=shapes_iters))
