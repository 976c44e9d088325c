# mmkd's embedded indoor scenes (python tools/data/make_demo_data.py) in the NYU-Depth-v2
# layout, read by mmseg's own NYUDataset, LoadDepthAnnotation and DepthMetric. 96x128 images,
# depth 0.5-10 m stored as 16-bit millimetres with a few invalid (0) pixels, as in NYU.
dataset_type = 'NYUDataset'
data_root = 'data/demo/nyu'
meta_keys = (
    'img_path',
    'depth_map_path',
    'ori_shape',
    'img_shape',
    'pad_shape',
    'scale_factor',
    'flip',
    'flip_direction',
    'category_id',
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation', depth_rescale_factor=1e-3),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation', depth_rescale_factor=1e-3),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images/train', depth_map_path='annotations/train'),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        test_mode=True,
        data_prefix=dict(img_path='images/test', depth_map_path='annotations/test'),
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='DepthMetric', min_depth_eval=0.001, max_depth_eval=10.0)
test_evaluator = val_evaluator
