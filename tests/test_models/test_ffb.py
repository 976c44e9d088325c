"""SDKD's Feature Fusion Block: shapes, resizing, configuration."""

import pytest
import torch

from mmkd.models.fusion import FeatureFusionBlock
from mmkd.registry import MODELS


@pytest.mark.parametrize(
    'teacher_size, student_size',
    [((8, 8), (16, 16)), ((32, 16), (16, 8)), ((16, 16), (16, 16)), ((7, 9), (16, 16))],
)
def test_output_has_the_student_shape(teacher_size, student_size):
    ffb = FeatureFusionBlock(student_channels=16, teacher_channels=48, channels=24, num_convs=3)
    student = torch.randn(2, 16, *student_size)
    teacher = torch.randn(2, 48, *teacher_size)
    out = ffb(student, teacher)
    assert out.shape == student.shape
    out.mean().backward()
    assert all(p.grad is not None for p in ffb.parameters())


def test_layers_follow_width_depth_and_last_act():
    ffb = MODELS.build(
        dict(
            type='mmkd.FeatureFusionBlock',
            student_channels=8,
            teacher_channels=32,
            channels=20,
            num_convs=3,
            last_act=False,
        )
    )
    convs = [m.conv for m in ffb.convs]
    assert [(c.in_channels, c.out_channels) for c in convs] == [(40, 20), (20, 20), (20, 8)]
    assert [m.with_activation for m in ffb.convs] == [True, True, False]
    default = FeatureFusionBlock(student_channels=8, teacher_channels=32)
    assert [(m.conv.in_channels, m.conv.out_channels) for m in default.convs] == [(40, 8), (8, 8)]
    assert (default(torch.randn(2, 8, 4, 4), torch.randn(2, 32, 4, 4)) >= 0).all()  # ReLU last
    with pytest.raises(ValueError, match='num_convs must be >= 1'):
        FeatureFusionBlock(8, 32, num_convs=0)


def test_resizes_the_teacher_bilinearly():
    ffb = FeatureFusionBlock(
        student_channels=2,
        teacher_channels=3,
        num_convs=1,
        kernel_size=1,
        norm_cfg=None,
        act_cfg=None,
    )
    seen = {}
    ffb.convs.register_forward_pre_hook(lambda m, args: seen.update(x=args[0]))
    student, teacher = torch.randn(1, 2, 8, 8), torch.randn(1, 3, 4, 4)
    ffb(student, teacher)
    expected = torch.nn.functional.interpolate(
        teacher, size=(8, 8), mode='bilinear', align_corners=False
    )
    assert torch.equal(seen['x'], torch.cat([expected, student], dim=1))


def test_wrong_channels_name_the_setting():
    ffb = FeatureFusionBlock(student_channels=8, teacher_channels=32)
    with pytest.raises(ValueError, match='ffb.teacher_channels=16'):
        ffb(torch.randn(2, 8, 4, 4), torch.randn(2, 16, 4, 4))
