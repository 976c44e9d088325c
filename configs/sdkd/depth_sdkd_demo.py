# SDKD on the embedded indoor scenes (the depth KD demo's pair), proxy fused at layer3; the
# depth head's SiLog loss on the proxy and DepthResponseLoss (silog) in place of KL.
# Train the teacher first: tools/train.py configs/models/depth_psp-r18w32_demo-600it_embedded-nyu.py
_base_ = ['../kd/depth_kd_demo.py']
model = dict(
    type='mmkd.SDKD',
    losses=None,  # SDKD builds its own terms
    taps=dict(_delete_=True, logits='decode_head.depth_act'),
    fusion=dict(student='backbone.layer3', teacher='backbone.layer3'),
    ffb=dict(channels=32, num_convs=2),
    response_loss=dict(type='mmkd.DepthResponseLoss', mode='silog'),
    lambda_=1.0,
)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'ffb': dict(lr_mult=1.0)}))
custom_hooks = [dict(type='mmkd.TeacherReferenceHook'),
                dict(type='mmkd.SDKDPhaseHook', begin_iter=300)]
