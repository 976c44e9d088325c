# A short iteration-based CPU schedule for the embedded demo data: AdamW, poly decay,
# one validation and one checkpoint at the end (and the last iteration is always saved).
demo_iters = 600
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=demo_iters, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=demo_iters, val_interval=demo_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=demo_iters),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
randomness = dict(seed=0)
