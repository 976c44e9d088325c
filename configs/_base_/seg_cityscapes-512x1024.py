# Cityscapes at paper scale: mmseg's 512x1024 data, 80k-iteration schedule and runtime, as in
# mmseg's pspnet/deeplabv3 *_4xb2-80k_cityscapes-512x1024 configs. No model: a config names its
# student and teacher by mmseg config (dict(cfg_path='mmseg::pspnet/...')).
_base_ = [
    'mmseg::_base_/datasets/cityscapes.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_80k.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
crop_size = (512, 1024)
# the runner gives this to a model without its own (mmseg's configs set it the same way)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size,
)
# the batch the lr is written for (4 GPUs x 2); `--cfg-options auto_scale_lr.enable=True`
# scales the lr linearly to another world size
auto_scale_lr = dict(enable=False, base_batch_size=8)
