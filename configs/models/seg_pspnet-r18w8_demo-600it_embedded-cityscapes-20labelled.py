# The demo's segmentation student trained alone on the same 20 annotated frames: the baseline
# of `make demo`'s label-scarce setting.
_base_ = ['./seg_pspnet-r18w8_demo-600it_embedded-cityscapes.py']
train_dataloader = dict(dataset=dict(indices=20))
