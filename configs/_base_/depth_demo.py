# Depth demo: mmkd's embedded indoor scenes (96x128, NYU-Depth-v2 layout), the 600-iteration
# CPU schedule, mmseg's runtime. No model: a config adds one from ./models/demo_depth.py.
_base_ = [
    'mmseg::_base_/default_runtime.py',
    './datasets/embedded_nyu.py',
    './schedules/demo_cpu.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
