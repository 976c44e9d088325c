# The demo's segmentation teacher trained on 20 annotated frames only (`make demo`'s
# label-scarce setting: the first 20 train frames by name, as mmseg lists them, as when few
# frames of a fleet's video are labelled). Validation: the same 60 annotated val frames.
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = _base_.seg_demo_teacher
train_dataloader = dict(dataset=dict(indices=20))
