# The demo's depth student trained alone.
_base_ = ['./depth_psp-r18w32_demo-600it_embedded-nyu.py']
model = dict(_delete_=True, **_base_.depth_demo_student)
