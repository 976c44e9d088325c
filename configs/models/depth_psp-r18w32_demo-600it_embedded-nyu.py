# The demo's depth teacher, trained alone (a plain mmseg DepthEstimator with mmkd's head).
_base_ = [
    'mmseg::_base_/default_runtime.py',
    '../_base_/datasets/embedded_nyu.py',
    '../_base_/schedules/demo_cpu.py',
    '../_base_/models/demo_depth.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
model = _base_.depth_demo_teacher
