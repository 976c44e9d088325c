# DSKD on NYU-Depth-v2: PSP-R101 (teacher) -> PSP-R18 (student). Feature: the PSP head's
# bottleneck output, 128 -> 512 channels; the guidance is the negative squared error of the
# teacher's depth predictor (conv_seg, then depth_act) to the ground truth on valid pixels.
# No published DSKD code: see ./README.md.
_base_ = ['../_base_/depth_nyu-480x480.py', '../_base_/models/depth_psp.py']
model = dict(
    type='mmkd.DSKD',
    student=_base_.depth_psp_r18,
    teacher=dict(_base_.depth_psp_r101, pretrained=None),
    teacher_ckpt='work_dirs/depth_psp-r101_4xb8-25k_nyu-480x480/iter_25000.pth',
    taps=dict(feature='decode_head.bottleneck'),
    teacher_head=['decode_head.conv_seg', 'decode_head.depth_act'],
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
