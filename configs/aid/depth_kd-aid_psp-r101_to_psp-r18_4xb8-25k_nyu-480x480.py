# KD from the AID-adapted PSP-R101 to PSP-R18 on NYU-Depth-v2 (else
# ../kd/depth_kd_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py); both stages in one command:
#   tools/dist_train.sh configs/aid/depth_kd-aid_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py 4
_base_ = ['../_base_/depth_nyu-480x480.py', '../_base_/models/depth_psp.py']
aid_adaptation = dict(
    config='configs/aid/depth_aid-adapt_psp-r101-for-psp-r18_4xb8-2k_nyu-480x480.py',
    work_dir='work_dirs/depth_aid-adapt_psp-r101-for-psp-r18_4xb8-2k_nyu-480x480',
)
model = dict(
    type='mmkd.Distiller',
    student=_base_.depth_psp_r18,
    teacher=dict(_base_.depth_psp_r101, pretrained=None),
    teacher_ckpt='work_dirs/depth_aid-adapt_psp-r101-for-psp-r18_4xb8-2k_nyu-480x480/'
    'adapted_teacher.pth',
    taps=dict(depth='decode_head.depth_act'),
    losses=dict(
        depth=dict(
            type='mmkd.DepthResponseLoss',
            mode='silog',
            loss_weight=1.0,
            student='depth',
            teacher='depth',
        )
    ),
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
