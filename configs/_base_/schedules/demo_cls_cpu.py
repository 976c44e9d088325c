# A short epoch-based CPU schedule for the embedded digits: SGD with cosine decay.
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4)
)
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, T_max=15, eta_min=1e-4)
train_cfg = dict(by_epoch=True, max_epochs=15, val_interval=15)
val_cfg = dict()
test_cfg = dict()
