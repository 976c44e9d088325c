# DSKD on the embedded street scenes: the demo teacher -> the demo student (the seg KD demo's
# pair). Feature: the PSP head's bottleneck output (the map entering conv_seg), projected from
# 16 to the teacher's 64 channels; the teacher's conv_seg guides per pixel (labels downsampled).
# Train the teacher first: tools/train.py configs/models/seg_pspnet-r18w32_demo-600it_embedded-cityscapes.py
_base_ = ['../_base_/seg_demo.py', '../_base_/models/demo_seg.py']
model = dict(
    type='mmkd.DSKD',
    student=_base_.seg_demo_student,
    teacher=_base_.seg_demo_teacher,
    teacher_ckpt='work_dirs/seg_pspnet-r18w32_demo-600it_embedded-cityscapes/iter_600.pth',
    taps=dict(feature='decode_head.bottleneck'),
    teacher_head='decode_head.conv_seg',
    lsh=dict(
        type='mmkd.LSHLoss',
        loss_weight=1.0,
        connector=dict(type='mmkd.ConvConnector', in_channels=16, out_channels=64),
    ),
    t_start=400,
    steps=5,
    guidance_scale=1.0,
    lsh_warmup_iters=100,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
