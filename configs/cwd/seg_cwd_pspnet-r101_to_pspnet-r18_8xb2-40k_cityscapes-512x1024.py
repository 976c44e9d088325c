# Channel-wise distillation (Shu et al., ICCV 2021) on Cityscapes in the CIRKD protocol (8 GPUs x
# 2 images, 40k iterations: ../_base_/seg_cityscapes-512x1024_8xb2-40k.py): PSPNet-R101 (mmseg
# zoo, 79.76 mIoU) -> PSPNet-R18, on the logits with tau 4 and weight 3, CIRKD's CWD logit term
# (winycg/CIRKD @ 05a2753 train_kd.py: CriterionCWD(norm_type='channel', divergence='kl',
# temperature=4.); train_scripts/train_kd/train_cwd.sh: --lambda-cwd-logit 3.). CIRKD's CWD row
# (75.55, DeepLabV3-R101 -> R18) adds a feature CWD term (50), KD (1) and an adversarial term;
# this config is the logit term alone. MMRazor's setting: ./seg_cwd_*_4xb2-80k_*.py.
#   tools/dist_train.sh configs/cwd/seg_cwd_pspnet-r101_to_pspnet-r18_8xb2-40k_cityscapes-512x1024.py 8
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
        cwd=dict(
            type='mmkd.ChannelWiseDivergence',
            tau=4.0,
            loss_weight=3.0,
            student='logits',
            teacher='logits',
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
