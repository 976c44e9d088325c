# DSKD on Cityscapes in the CIRKD protocol (8 GPUs x 2 images, 40k iterations:
# ../_base_/seg_cityscapes-512x1024_8xb2-40k.py): PSPNet-R101 (mmseg zoo, 79.76 mIoU) ->
# PSPNet-R18. Feature: the PSP head's bottleneck output (the map entering conv_seg, 1/8
# resolution), projected 128 -> 512 channels; the teacher's conv_seg guides per pixel. The LSH
# term hashes a subsample of 4096 pixels per batch. No published DSKD code: see ./README.md.
#   tools/dist_train.sh configs/dskd/seg_dskd_pspnet-r101_to_pspnet-r18_8xb2-40k_cityscapes-512x1024.py 8
_base_ = ['../_base_/seg_cityscapes-512x1024_8xb2-40k.py']
model = dict(
    type='mmkd.DSKD',
    student=dict(cfg_path='mmseg::pspnet/pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py'),
    teacher=dict(
        cfg_path='mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py', pretrained=None
    ),
    # mmseg's pspnet/metafile.yaml, pspnet_r101-d8_4xb2-80k_cityscapes-512x1024
    teacher_ckpt='https://download.openmmlab.com/mmsegmentation/v0.5/pspnet/pspnet_r101-d8_512x1024_80k_cityscapes/pspnet_r101-d8_512x1024_80k_cityscapes_20200606_112211-e1e1100f.pth',
    taps=dict(feature='decode_head.bottleneck'),
    teacher_head='decode_head.conv_seg',
    lsh=dict(
        type='mmkd.LSHLoss',
        loss_weight=1.0,
        sample_pixels=4096,
        connector=dict(type='mmkd.ConvConnector', in_channels=128, out_channels=512),
    ),
    t_start=400,
    steps=5,
    guidance_scale=1.0,
    lsh_warmup_iters=500,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
