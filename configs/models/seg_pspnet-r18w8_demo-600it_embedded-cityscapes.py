# The demo's segmentation student trained alone: the baseline distillation must beat.
_base_ = ['./seg_pspnet-r18w32_demo-600it_embedded-cityscapes.py']
model = dict(_delete_=True, **_base_.seg_demo_student)
