"""teacher_speed: the switches validate with one-line errors, stay off by default (fp32 on the
CPU, autocast only from the surrounding step), and give the default's teacher outputs and losses
within the stated tolerances."""

import copy

import pytest
import torch

from mmkd.models.distillers import Distiller
from mmkd.models.distillers.teacher_speed import TeacherSpeed
from mmkd.registry import MODELS
from mmkd.utils import ConfigError
from tests.conftest import seg_batch, seg_model

LOSSES = dict(
    kd=dict(type='mmkd.KLDivergence', tau=2.0, student='logits', teacher='logits'),
    cwd=dict(type='mmkd.ChannelWiseDivergence', tau=4.0, student='logits', teacher='logits'),
    feat=dict(
        type='mmkd.MSEFeature',
        student='feat',
        teacher='feat',
        connector=dict(type='mmkd.ConvConnector', in_channels=32, out_channels=64),
    ),
)
# max |fast - default| / max |default| of every teacher output; fp32 switches only reorder sums
TOLERANCE = dict(inference_mode=1e-6, channels_last=1e-5, bf16=2e-2, fp16=2e-3)
SWITCHES = dict(
    inference_mode=dict(inference_mode=True),
    channels_last=dict(channels_last=True),
    bf16=dict(autocast='bf16'),
    fp16=dict(autocast='fp16'),
)


def seg_distiller(**overrides) -> Distiller:
    cfg = dict(
        type='mmkd.Distiller',
        student=seg_model(8),
        teacher=seg_model(16),
        taps=dict(logits='decode_head.conv_seg', feat='backbone.layer3'),
        losses=LOSSES,
    )
    cfg.update(overrides)
    return MODELS.build(cfg)


def teacher_outputs_and_losses(model: Distiller, batch: dict) -> tuple:
    model.train()
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    model.teacher_forward(data['inputs'])
    outputs = {name: model.teacher_taps['teacher'][name] for name in ('logits', 'feat')}
    losses = model.loss(data['inputs'], data['data_samples'])
    sum(v for k, v in losses.items() if 'loss' in k).backward()  # autograd accepts the targets
    return outputs, losses


@pytest.mark.parametrize(
    'cfg, message',
    [
        (dict(inference_mod=True), "unknown key 'inference_mod'.*Did you mean: 'inference_mode'"),
        (dict(channels_last='yes'), 'channels_last must be True or False'),
        (dict(autocast='bfloat16'), "autocast must be None, 'bf16' or 'fp16', got 'bfloat16'"),
        ('bf16', 'teacher_speed must be dict'),
    ],
)
def test_bad_switches_are_one_line_config_errors(mmseg_scope, cfg, message):
    with pytest.raises(ConfigError, match=message) as err:
        seg_distiller(teacher_speed=cfg)
    assert '\n' not in str(err.value)


def test_default_is_off_fp32_and_follows_the_step_autocast(mmseg_scope):
    model = seg_distiller()
    assert model.teacher_speed == TeacherSpeed()
    assert not model.teacher_speed.changes_outputs
    data = model.data_preprocessor(seg_batch(), True)
    model.teacher_forward(data['inputs'])
    logits = model.teacher_taps['teacher']['logits']
    assert logits.dtype == torch.float32 and not logits.is_inference()
    # with --amp the whole step runs under autocast (AmpOptimWrapper): the teacher follows it
    with torch.autocast('cpu', dtype=torch.bfloat16):
        model.teacher_forward(data['inputs'])
    assert model.teacher_taps['teacher']['logits'].dtype == torch.bfloat16


@pytest.mark.parametrize('switch', list(SWITCHES))
def test_switches_give_the_default_outputs_within_tolerance(mmseg_scope, switch):
    default = seg_distiller()
    fast = seg_distiller(teacher_speed=SWITCHES[switch])
    fast.load_state_dict(default.state_dict())
    fast.teacher.load_state_dict(default.teacher.state_dict())
    batch = seg_batch()
    want, want_losses = teacher_outputs_and_losses(default, batch)
    got, got_losses = teacher_outputs_and_losses(fast, batch)
    for name, tensor in got.items():
        assert tensor.dtype == torch.float32 and not tensor.is_inference()
        assert tensor.is_contiguous()
        error = (tensor - want[name]).abs().max() / want[name].abs().max()
        assert error <= TOLERANCE[switch], (name, float(error))
    for key in ('distill.loss_kd', 'distill.loss_cwd', 'distill.loss_feat'):
        assert torch.allclose(got_losses[key], want_losses[key], rtol=20 * TOLERANCE[switch]), key
    if switch == 'channels_last':
        conv = fast.teacher.backbone.layer1[0].conv1.weight
        assert conv.is_contiguous(memory_format=torch.channels_last)
