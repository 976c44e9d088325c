# KD from the AID-adapted PSP-R101 to PSP-R18 on NYU-Depth-v2; both stages in one command:
#   tools/dist_train.sh configs/aid/depth_kd-aid_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py 4
_base_ = ['../kd/depth_kd_psp-r101_to_psp-r18_4xb8-25k_nyu-480x480.py']
aid_adaptation = dict(
    config='configs/aid/depth_aid-adapt_psp-r101-for-psp-r18_4xb8-2k_nyu-480x480.py',
    work_dir='work_dirs/depth_aid-adapt_psp-r101-for-psp-r18_4xb8-2k_nyu-480x480')
model = dict(teacher_ckpt='work_dirs/depth_aid-adapt_psp-r101-for-psp-r18_4xb8-2k_nyu-480x480/'
                          'adapted_teacher.pth')
