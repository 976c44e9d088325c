# KD with the AID-adapted teacher on the cls demo data (else ../kd/cls_kd_demo.py). One command
# runs both stages:
#   python tools/train.py configs/aid/cls_kd-aid_demo.py
# stage 1 (configs/aid/cls_aid-adapt_demo.py) runs first unless its adapted teacher exists.
_base_ = ['../_base_/cls_demo.py', '../_base_/models/demo_cls.py']
aid_adaptation = dict(
    config='configs/aid/cls_aid-adapt_demo.py', work_dir='work_dirs/cls_aid-adapt_demo'
)
model = dict(
    type='mmkd.Distiller',
    student=_base_.cls_demo_student,
    teacher=_base_.cls_demo_teacher,
    teacher_ckpt='work_dirs/cls_aid-adapt_demo/adapted_teacher.pth',
    taps=dict(logits='head.fc'),
    losses=dict(
        kd=dict(
            type='mmkd.KLDivergence', tau=4.0, loss_weight=0.9, student='logits', teacher='logits'
        )
    ),
    student_loss_weight=0.1,
)
custom_hooks = [dict(type='mmkd.TeacherReferenceHook')]
