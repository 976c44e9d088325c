# The demo's segmentation student trained alone on the same 20 annotated frames: the baseline
# of `make demo`'s label-scarce setting.
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = _base_.seg_demo_student
train_dataloader = dict(dataset=dict(indices=20))
