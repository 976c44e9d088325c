# DSKD on CIFAR-100: ResNet-32x4 (teacher) -> ResNet-8x4 (student), both 256-d pooled features.
# LSH weight 6 and 4 x D bits are LSHFM's CIFAR settings; the diffusion settings are DiffKD's
# (5 DDIM steps from t = 400, guidance scale 1: guided-diffusion's default). No published DSKD
# code: see ./README.md for which line comes from where.
_base_ = ['../_base_/cls_cifar100.py', '../_base_/models/cifar_kd_zoo.py']
model = dict(
    type='mmkd.DSKD',
    student=_base_.resnet8x4,
    teacher=_base_.resnet32x4,
    teacher_ckpt='work_dirs/cls_resnet32x4_1xb64-240e_cifar100/epoch_240.pth',
    taps=dict(feature='neck[-1]'),
    teacher_head='head.fc',
    lsh=dict(
        type='mmkd.LSHLoss',
        loss_weight=6.0,
        connector=dict(type='mmkd.ConvConnector', in_channels=256, out_channels=256),
    ),
    t_start=400,
    steps=5,
    guidance_scale=1.0,
    lsh_warmup_iters=782,  # 1 epoch of 50k images at batch 64
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
