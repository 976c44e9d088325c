# SDKD with the AID-adapted teacher on the cls demo data. One command runs both stages:
#   python tools/train.py configs/aid/cls_sdkd-aid_demo.py
# stage 1 (configs/aid/cls_aid-adapt_demo.py) runs first unless its adapted teacher exists.
_base_ = ['../sdkd/cls_sdkd_demo.py']
aid_adaptation = dict(config='configs/aid/cls_aid-adapt_demo.py',
                      work_dir='work_dirs/cls_aid-adapt_demo')
model = dict(teacher_ckpt='work_dirs/cls_aid-adapt_demo/adapted_teacher.pth')
