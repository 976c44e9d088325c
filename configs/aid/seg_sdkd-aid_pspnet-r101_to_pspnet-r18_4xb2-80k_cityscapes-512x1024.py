# SDKD from the AID-adapted PSPNet-R101 to PSPNet-R18 on Cityscapes; both stages in one command:
#   tools/dist_train.sh configs/aid/seg_sdkd-aid_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py 8
_base_ = ['../sdkd/seg_sdkd_pspnet-r101_to_pspnet-r18_4xb2-80k_cityscapes-512x1024.py']
aid_adaptation = dict(
    config='configs/aid/seg_aid-adapt_pspnet-r101-for-pspnet-r18_4xb2-4k_cityscapes-512x1024.py',
    work_dir='work_dirs/seg_aid-adapt_pspnet-r101-for-pspnet-r18_4xb2-4k_cityscapes-512x1024')
model = dict(teacher_ckpt='work_dirs/seg_aid-adapt_pspnet-r101-for-pspnet-r18_4xb2-4k_'
                          'cityscapes-512x1024/adapted_teacher.pth')
