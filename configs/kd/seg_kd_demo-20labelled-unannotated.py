# KD in the label-scarce demo with a transfer set: the 20 annotated frames plus the 280
# unannotated ones of train_extra (label maps all 255 = ignore), where only the KD loss has a
# target. Same labels as the student alone; distillation adds the teacher's predictions on
# frames nobody labelled (Hinton et al.'s transfer set).
_base_ = ['./seg_kd_demo-20labelled.py']
_unannotated = dict(
    type=_base_.dataset_type, data_root=_base_.data_root, pipeline=_base_.train_pipeline,
    data_prefix=dict(img_path='leftImg8bit/train_extra', seg_map_path='gtFine/train_extra'))
train_dataloader = dict(
    dataset=dict(_delete_=True, type='ConcatDataset',
                 datasets=[_base_.train_dataloader.dataset, _unannotated]))
