# NYU-Depth-v2 as mmseg reads it (NYUDataset, 16-bit depth in mm), mmseg's nyu pipeline
# without the Albu colour augmentation (albumentations is an optional extra).
_base_ = ['mmseg::_base_/datasets/nyu.py']
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation', depth_rescale_factor=1e-3),
    dict(type='RandomDepthMix', prob=0.25),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomCrop', crop_size=(480, 480)),
    dict(
        type='PackSegInputs',
        meta_keys=(
            'img_path',
            'depth_map_path',
            'ori_shape',
            'img_shape',
            'pad_shape',
            'scale_factor',
            'flip',
            'flip_direction',
            'category_id',
        ),
    ),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
