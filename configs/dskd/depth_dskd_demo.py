# DSKD on the embedded indoor scenes (the depth KD demo's pair). Feature: the PSP head's
# bottleneck output, 16 -> 64 channels; the guidance is the negative squared error of the
# teacher's depth predictor (conv_seg, then depth_act) to the ground truth on valid pixels.
# Train the teacher first: tools/train.py configs/models/depth_psp-r18w32_demo-600it_embedded-nyu.py
_base_ = ['../_base_/depth_demo.py', '../_base_/models/demo_depth.py']
model = dict(
    type='mmkd.DSKD',
    student=_base_.depth_demo_student,
    teacher=_base_.depth_demo_teacher,
    teacher_ckpt='work_dirs/depth_psp-r18w32_demo-600it_embedded-nyu/iter_600.pth',
    taps=dict(feature='decode_head.bottleneck'),
    teacher_head=['decode_head.conv_seg', 'decode_head.depth_act'],
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
