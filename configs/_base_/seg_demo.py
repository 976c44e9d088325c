# Segmentation demo: mmkd's embedded street scenes (64x128, Cityscapes layout), the 600-iteration
# CPU schedule, mmseg's runtime. No model: a config adds one from ./models/demo_seg.py.
_base_ = [
    'mmseg::_base_/default_runtime.py',
    './datasets/embedded_cityscapes.py',
    './schedules/demo_cpu.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
