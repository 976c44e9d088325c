# Channel-wise distillation (Shu et al., ICCV 2021) on Cityscapes: PSPNet-R101 -> PSPNet-R18,
# MMRazor's setting for its published 75.54 mIoU (teacher 79.76, student 74.87): open-mmlab/mmrazor
# configs/distill/mmseg/cwd/cwd_logits_pspnet_r101_d8_pspnet_r18_d8_512x1024_cityscapes_80k.py
# (metafile.yml): ChannelWiseDivergence(tau=1, loss_weight=5) on decode_head.conv_seg of both,
# mmseg's cityscapes data, schedule_80k (SGD 0.01, poly) and runtime, the mmseg zoo teacher;
# MMRazor's loss (sum of the per-channel KL / (N * C), times tau^2) is mmkd's.
# CIRKD's CWD logit setting (tau 4, weight 3): ./seg_cwd_*_8xb2-40k_*.py.
_base_ = ['../_base_/seg_cityscapes-512x1024.py']
model = dict(
    type='mmkd.Distiller',
    student=dict(cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py', pretrained=None
    ),
    teacher_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/'
    'pspnet_r101-d8_512x1024_80k_cityscapes/'
    'pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth',
    taps=dict(logits='decode_head.conv_seg'),
    losses=dict(
        cwd=dict(
            type='mmkd.ChannelWiseDivergence',
            tau=1.0,
            loss_weight=5.0,
            student='logits',
            teacher='logits',
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
