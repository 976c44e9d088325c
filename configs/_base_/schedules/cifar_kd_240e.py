# The CIFAR-100 KD schedule of the literature (CRD, DKD): SGD 0.05, batch 64, 240 epochs,
# x0.1 at epochs 150, 180 and 210, weight decay 5e-4.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=False)
)
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[150, 180, 210], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=240, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
