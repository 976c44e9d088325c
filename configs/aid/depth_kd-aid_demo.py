# KD with the AID-adapted teacher on the depth demo data (else ../kd/depth_kd_demo.py). One
# command runs both stages:
#   python tools/train.py configs/aid/depth_kd-aid_demo.py
# stage 1 (configs/aid/depth_aid-adapt_demo.py) runs first unless its adapted teacher exists.
_base_ = ['../_base_/depth_demo.py', '../_base_/models/demo_depth.py']
aid_adaptation = dict(
    config='configs/aid/depth_aid-adapt_demo.py', work_dir='work_dirs/depth_aid-adapt_demo'
)
model = dict(
    type='mmkd.Distiller',
    student=_base_.depth_demo_student,
    teacher=_base_.depth_demo_teacher,
    teacher_ckpt='work_dirs/depth_aid-adapt_demo/adapted_teacher.pth',
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
