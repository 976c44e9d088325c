# NYU-Depth-v2 at paper scale: 480x480 crops (./datasets/nyu_480x480.py), mmseg's 25k-iteration
# schedule and runtime. No model: a config adds one from ./models/depth_psp.py.
_base_ = [
    './datasets/nyu_480x480.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_25k.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
