# Cityscapes in the segmentation-KD literature's protocol: 8 GPUs x 2 images of 512x1024 crops,
# 40k iterations, SGD (momentum 0.9) with a poly lr (power 0.9). Source: CIRKD (Yang et al.,
# CVPR 2022), github.com/winycg/CIRKD @ 05a2753, train_kd.py / train_cirkd.py defaults run by its
# train_scripts with torch.distributed.launch --nproc_per_node=8: --batch-size 16 (the total,
# 2 per process), --max-iterations 40000, --crop-size 512 1024, --lr 0.02, --momentum 0.9,
# --weight-decay 1e-4, lr = 0.02 * (1 - iter / 40000) ** 0.9. DIST (NeurIPS 2022) reports its
# Cityscapes numbers in this protocol with CIRKD's code (hunto/DIST_KD segmentation/).
# lr 0.02 for a batch of 16 is mmseg's 0.01 for 8 (its 4xb2 configs) scaled linearly.
# From mmseg (./seg_cityscapes-512x1024.py): the data pipeline (CIRKD also resizes by 0.5-2.0,
# crops 512x1024 and flips; mmseg adds photometric distortion), whole-image validation.
# CIRKD reports the best of its validations (every 800 iterations); mmkd's configs the last.
_base_ = ['./seg_cityscapes-512x1024.py']
train_dataloader = dict(batch_size=2)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=40000, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000, val_interval=4000)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=4000))
# the batch the lr is written for; `--cfg-options auto_scale_lr.enable=True` scales it linearly
auto_scale_lr = dict(enable=False, base_batch_size=16)
