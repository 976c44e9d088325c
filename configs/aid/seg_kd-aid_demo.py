# KD with the AID-adapted teacher on the seg demo data. One command runs both stages:
#   python tools/train.py configs/aid/seg_kd-aid_demo.py
# stage 1 (configs/aid/seg_aid-adapt_demo.py) runs first unless its adapted teacher exists.
_base_ = ['../kd/seg_kd_demo.py']
aid_adaptation = dict(config='configs/aid/seg_aid-adapt_demo.py',
                      work_dir='work_dirs/seg_aid-adapt_demo')
model = dict(teacher_ckpt='work_dirs/seg_aid-adapt_demo/adapted_teacher.pth')
