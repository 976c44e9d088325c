"""DSKD through the command-line tools: a few iterations of each demo config (teachers saved
untrained), the logged terms, the checkpoint's parts, and the exported plain student (exported
in this process by what tools/export_student.py runs; that command line is tested in
test_tools.py)."""

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

from mmkd.apis.export import export_student, run_config
from tests.test_tools.test_tools import CFG, data_options, iter_options, logged_losses, train

DEMOS = dict(
    seg=f'{CFG}/dskd/seg_dskd_demo.py',
    depth=f'{CFG}/dskd/depth_dskd_demo.py',
    cls=f'{CFG}/dskd/cls_dskd_demo.py',
)
DATA = dict(seg='cityscapes', depth='nyu', cls='digits_cifar10')
CLS_OPTIONS = [
    'train_cfg.max_epochs=1',
    'train_cfg.val_interval=1',
    'default_hooks.checkpoint.interval=1',
    'train_dataloader.dataset.indices=8',
    'val_dataloader.dataset.indices=8',
    'train_dataloader.batch_size=4',
    'val_dataloader.batch_size=4',
    'default_hooks.logger.interval=1',
]


def options_for(task: str, data_root: str, teacher_ckpt: str) -> list:
    steps = CLS_OPTIONS if task == 'cls' else iter_options(2)
    return data_options(data_root, DATA[task]) + steps + [f'model.teacher_ckpt={teacher_ckpt}']


@pytest.mark.parametrize('task', sorted(DEMOS))
def test_dskd_demo_trains_and_its_student_exports(task, untrained_teachers, data_root, tmp_path):
    work = str(tmp_path / task)
    train(DEMOS[task], work, options_for(task, data_root, untrained_teachers[task]))
    losses = logged_losses(work)
    assert sorted(losses) == [1, 2]
    for step in (1, 2):
        assert {'dskd.loss_diffusion', 'distill.loss_lsh'} <= set(losses[step])
        assert any(k.startswith('student.') for k in losses[step])
    ckpt = f'{work}/{"epoch_1" if task == "cls" else "iter_2"}.pth'
    state = torch.load(ckpt, weights_only=False)['state_dict']
    assert any(k.startswith('denoiser.') for k in state)
    assert not any(k.startswith(('teachers.', 'terms.lsh.loss.')) for k in state)

    out = f'{work}/export/student.pth'
    export_student(run_config(DEMOS[task], ckpt)[0], ckpt, out)
    exported = torch.load(out, weights_only=True)['state_dict']
    assert not any(k.startswith(('student.', 'denoiser.', 'connector.')) for k in exported)
    student_cfg = Config.fromfile(out.replace('.pth', '_config.py'))
    scope = 'mmpretrain' if task == 'cls' else 'mmseg'
    with DefaultScope.overwrite_default_scope(scope):
        plain = MODELS.build(student_cfg.model)
    plain.load_state_dict(exported, strict=True)
    for key, value in exported.items():
        assert torch.equal(value, state[f'student.{key}'])


def test_guidance_off_control_trains(untrained_teachers, data_root, tmp_path):
    options = options_for('seg', data_root, untrained_teachers['seg']) + [
        'model.guidance_scale=0.0'
    ]
    train(DEMOS['seg'], str(tmp_path), options)
    assert {'dskd.loss_diffusion', 'distill.loss_lsh'} <= set(logged_losses(str(tmp_path))[2])
