# A depth teacher at paper scale on NYU-Depth-v2, trained alone: PSP-R101 (mmkd.DepthPSPHead).
_base_ = ['../_base_/depth_nyu-480x480.py', '../_base_/models/depth_psp.py']
model = _base_.depth_psp_r101
