# The demo's segmentation teacher, trained alone (a plain mmseg model: no mmkd wrapper).
_base_ = [
    'mmseg::_base_/default_runtime.py',
    '../_base_/datasets/embedded_cityscapes.py',
    '../_base_/schedules/demo_cpu.py',
    '../_base_/models/demo_seg.py',
]
model = _base_.seg_demo_teacher
