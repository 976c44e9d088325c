# NYU-Depth-v2 at paper scale: 480x480 crops (./datasets/nyu_480x480.py), mmseg's 25k-iteration
# schedule and runtime. No model: a config adds one from ./models/depth_psp.py.
_base_ = [
    './datasets/nyu_480x480.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_25k.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
# the batch the lr is written for (4 GPUs x 8); `--cfg-options auto_scale_lr.enable=True`
# scales the lr linearly to another world size
auto_scale_lr = dict(enable=False, base_batch_size=32)
