# Hard segmentation demo: mmkd's embedded shapes scenes (96x96, Cityscapes layout; classes differ
# by shape and context, not colour), mmseg's runtime, the demo CPU schedule run for 600 iterations.
# No model: a config adds one from ./models/demo_seg.py.
_base_ = [
    'mmseg::_base_/default_runtime.py',
    './datasets/embedded_shapes.py',
    './schedules/demo_cpu.py',
]
custom_imports = dict(imports=['mmkd'], allow_failed_imports=False)
