"""KLDivergence(upsample>1) with a -inf top-K mask: never NaN.

``TopKMask(fill='-inf')`` as the distiller's ``teacher_transform`` masks the teacher at the
tapped resolution (1/8 for PSPNet); bilinear upsampling then mixes -inf into its neighbours and
the KL was NaN. That combination is refused when the distiller is built; the loss's own
``teacher_mask`` masks after the upsampling, checked here against a value computed by hand.
"""

import math
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmkd.models.losses import KLDivergence
from mmkd.models.target_transforms.topk_mask import TopKMask
from tests.test_reliability.conftest import (
    SEG_KD,
    SEG_TEACHER,
    assert_one_line_error,
    data_options,
    iter_options,
    save_untrained,
    train,
)
from tests.test_tools.test_tools import logged_losses


def bilinear_x2(x: np.ndarray) -> np.ndarray:
    """(C, 2, 2) -> (C, 4, 4), align_corners=False, written out: output row i samples the input
    at (i + 0.5) / 2 - 0.5, clamped to the border."""
    a = np.array([[1.0, 0.0], [0.75, 0.25], [0.25, 0.75], [0.0, 1.0]])
    return np.einsum('ih,chw,jw->cij', a, x, a)


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=0, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=0, keepdims=True))


def test_teacher_mask_after_upsampling_equals_the_hand_computed_kl():
    student = np.array(
        [[[0.3, -1.2], [2.0, 0.5]], [[1.1, 0.4], [-0.7, 1.9]], [[-0.5, 0.8], [0.2, -1.4]]]
    )
    teacher = np.array(
        [[[2.0, -1.0], [0.5, 1.5]], [[-0.3, 1.7], [1.2, -2.0]], [[0.9, 0.1], [-1.1, 0.6]]]
    )
    tau, loss_weight = 2.0, 0.5
    s_up, t_up = bilinear_x2(student) / tau, bilinear_x2(teacher) / tau
    # ratio 0.5 of 3 classes: K = ceil(1.5) = 2 per pixel; the smallest teacher logit goes
    kept = t_up > t_up.min(axis=0, keepdims=True)
    assert (kept.sum(axis=0) == 2).all()
    log_p_t = log_softmax(np.where(kept, t_up, -np.inf))
    log_p_s = log_softmax(s_up)
    log_p_t = np.where(kept, log_p_t, 0.0)  # dropped classes: p_t = 0, no term in the sum
    per_pixel = np.where(kept, np.exp(log_p_t) * (log_p_t - log_p_s), 0.0).sum(axis=0)
    expected = loss_weight * tau**2 * per_pixel.mean()

    loss = KLDivergence(
        tau=tau, loss_weight=loss_weight, upsample=2, teacher_mask=dict(ratio=0.5, fill='-inf')
    )
    got = loss(torch.tensor(student)[None], torch.tensor(teacher)[None])
    assert torch.isfinite(got)
    assert got.item() == pytest.approx(expected, rel=1e-10)
    assert expected > 0


def test_mask_before_upsampling_gives_nan_and_is_refused_when_built():
    """The failure of the issue, and the build-time guard against it (the distiller calls
    check_teacher_transform for every loss with a teacher_transform; the train test below runs
    that path). The step itself no longer looks for -inf: that was a device sync per step."""
    torch.manual_seed(0)
    student, teacher = torch.randn(1, 5, 4, 4), torch.randn(1, 5, 4, 4)
    transform = TopKMask(0.4, fill='-inf')
    masked = transform(teacher)
    smeared = F.interpolate(masked, scale_factor=8, mode='bilinear', align_corners=False)
    assert torch.isnan(F.log_softmax(smeared, dim=1)).any()  # what the KL used to get
    with pytest.raises(ValueError, match=r"teacher_mask=dict\(ratio=0\.4, fill='-inf'\)"):
        KLDivergence(upsample=8).check_teacher_transform(transform)
    # -inf teacher logits from elsewhere: a NaN loss, stopped by the distiller's non-finite check
    assert torch.isnan(KLDivergence(upsample=8)(student, masked))
    # harmless combinations pass the check
    KLDivergence(upsample=1).check_teacher_transform(transform)
    KLDivergence(upsample=8).check_teacher_transform(TopKMask(0.4, fill='zero'))
    # at the tapped resolution -inf logits are fine, and the loss's own mask is too
    assert torch.isfinite(KLDivergence(upsample=1)(student, masked))
    assert torch.isfinite(
        KLDivergence(upsample=8, teacher_mask=dict(ratio=0.4, fill='-inf'))(student, teacher)
    )


def test_teacher_mask_accepts_only_a_class_mask():
    with pytest.raises(ValueError, match='leave dim out'):
        KLDivergence(teacher_mask=dict(ratio=0.5, dim='spatial'))
    with pytest.raises(ValueError, match='built as a TopKMask'):
        KLDivergence(teacher_mask=dict(type='mmkd.Other', ratio=0.5))


def _config(tmp_path, kd: str) -> str:
    path = str(tmp_path / 'kd.py')
    with open(path, 'w') as f:
        f.write(f'_base_ = [{SEG_KD!r}]\nmodel = dict(losses=dict(kd=dict({kd})))\n')
    return path


def test_train_refuses_a_minus_inf_transform_before_upsampling(data_root, tmp_path):
    teacher = save_untrained(SEG_TEACHER, str(tmp_path / 'teacher.pth'))
    config = _config(
        tmp_path, "upsample=8, teacher_transform=dict(type='mmkd.TopKMask', ratio=0.6, fill='-inf')"
    )
    proc = train(
        config,
        str(tmp_path / 'work'),
        data_options(data_root, 'cityscapes') + iter_options(1) + [f'model.teacher_ckpt={teacher}'],
        expect_ok=False,
    )
    assert_one_line_error(
        proc,
        'losses.kd:',
        "teacher_transform=TopKMask(fill='-inf')",
        "teacher_mask=dict(ratio=0.6, fill='-inf')",
    )
    assert not osp.exists(tmp_path / 'work' / 'iter_1.pth')


def test_train_with_the_mask_after_upsampling_logs_a_finite_kd_loss(data_root, tmp_path):
    teacher = save_untrained(SEG_TEACHER, str(tmp_path / 'teacher.pth'))
    config = _config(tmp_path, "upsample=8, teacher_mask=dict(ratio=0.6, fill='-inf')")
    work = str(tmp_path / 'work')
    train(
        config,
        work,
        data_options(data_root, 'cityscapes') + iter_options(1) + [f'model.teacher_ckpt={teacher}'],
    )
    kd = logged_losses(work)[1]['distill.loss_kd']
    assert math.isfinite(kd) and kd > 0
