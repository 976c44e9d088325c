# A depth teacher at paper scale on NYU-Depth-v2, trained alone: PSP-R101 (mmkd.DepthPSPHead).
_base_ = [
    '../_base_/datasets/nyu_480x480.py',
    '../_base_/models/depth_psp.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_25k.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
model = _base_.depth_psp_r101
