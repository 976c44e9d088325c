# The real handwritten digits of scikit-learn (1797 images, 10 classes), upsampled to 32x32 and
# written as plain .npz arrays (python tools/data/make_demo_data.py); mmkd.CIFAR10Embedded is
# mmpretrain's CIFAR10 reading them with allow_pickle=False (CIFAR's own pickles can run code).
dataset_type = 'mmkd.CIFAR10Embedded'
data_root = 'data/demo/digits_cifar10'
data_preprocessor = dict(num_classes=10, mean=[127.5] * 3, std=[127.5] * 3, to_rgb=False)
train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=2),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', pipeline=test_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1,))
test_evaluator = val_evaluator
