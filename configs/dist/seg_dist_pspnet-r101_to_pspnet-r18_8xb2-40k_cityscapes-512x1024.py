# DIST (Huang et al., NeurIPS 2022) on Cityscapes in the CIRKD protocol (8 GPUs x 2 images, 40k
# iterations: ../_base_/seg_cityscapes-512x1024_8xb2-40k.py): PSPNet-R101 (mmseg zoo, 79.76 mIoU)
# -> PSPNet-R18, pixels as samples. From the official segmentation code (hunto/DIST_KD @ 6d93ca0,
# segmentation/): DIST() with beta 1, gamma 1, no temperature (tau 1), --lambda-kd 1; its
# train_kd.py also sets --weight-decay 5e-4 and a poly lr that ends at 1e-4 (set below). DIST
# also distils the auxiliary head's logits (x0.4); mmkd runs the teacher without its auxiliary
# head, so this config distils the decode head only. DIST's PSPNet-R18 result (76.31) is with
# CIRKD's DeepLabV3-R101 teacher (78.07).
#   tools/dist_train.sh configs/dist/seg_dist_pspnet-r101_to_pspnet-r18_8xb2-40k_cityscapes-512x1024.py 8
_base_ = ['../_base_/seg_cityscapes-512x1024_8xb2-40k.py']
model = dict(
    type='mmkd.Distiller',
    student=dict(cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py', pretrained=None
    ),
    # mmseg's pspnet/metafile.yaml, pspnet_r101-d8_4xb2-80k_cityscapes-512x1024
    teacher_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/pspnet_r101-d8_512x1024_80k_cityscapes/pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        dist=dict(
            type='mmkd.DISTLoss',
            beta=1.0,
            gamma=1.0,
            tau=1.0,
            loss_weight=1.0,
            student='logits',
            teacher='logits',
        )
    ),
)
optim_wrapper = dict(optimizer=dict(weight_decay=5e-4))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=40000, by_epoch=False)]
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
