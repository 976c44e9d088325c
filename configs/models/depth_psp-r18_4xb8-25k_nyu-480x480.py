# The NYU-Depth-v2 student PSP-R18 trained alone: the student-alone baseline, and AID's
# reference student (configs/aid/depth_aid-adapt_psp-r101-for-psp-r18_4xb8-2k_nyu-480x480.py).
_base_ = ['../_base_/depth_nyu-480x480.py', '../_base_/models/depth_psp.py']
model = _base_.depth_psp_r18
