# KD with the AID-adapted teacher on the depth demo data. One command runs both stages:
#   python tools/train.py configs/aid/depth_kd-aid_demo.py
# stage 1 (configs/aid/depth_aid-adapt_demo.py) runs first unless its adapted teacher exists.
_base_ = ['../kd/depth_kd_demo.py']
aid_adaptation = dict(config='configs/aid/depth_aid-adapt_demo.py',
                      work_dir='work_dirs/depth_aid-adapt_demo')
model = dict(teacher_ckpt='work_dirs/depth_aid-adapt_demo/adapted_teacher.pth')
