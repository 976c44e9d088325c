"""What the tools tests share, made once per test process: the small embedded datasets, the
demo teachers saved untrained, and one trained segmentation teacher + distillation run."""

import os.path as osp
from typing import Dict

import pytest

from mmkd.demo_data import generate_cityscapes, generate_digits_cifar10, generate_nyu

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(ROOT, 'configs')
DEMO_TEACHERS = dict(
    seg=f'{CFG}/models/seg_pspnet-r18w32_demo-600it_embedded-cityscapes.py',
    depth=f'{CFG}/models/depth_psp-r18w32_demo-600it_embedded-nyu.py',
    cls=f'{CFG}/models/cls_resnet20_demo-15e_embedded-digits.py',
)


@pytest.fixture(scope='session')
def data_root(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp('data'))
    generate_cityscapes(osp.join(root, 'cityscapes'), num_train=8, num_val=4, num_extra=4)
    generate_nyu(osp.join(root, 'nyu'), num_train=8, num_test=4)
    generate_digits_cifar10(osp.join(root, 'digits_cifar10'))
    return root


@pytest.fixture(scope='session')
def seg_kd_run(data_root, tmp_path_factory) -> Dict[str, str]:
    """The segmentation demo teacher trained 2 iterations, then a 4-iteration distillation from
    it (checkpoints at 2 and 4, validation at 4): trained once per test process and shared by the
    tools tests, which only read it (what they write goes to their own folders)."""
    from tests.test_tools.test_tools import (  # (test_tools imports this module)
        SEG_KD,
        SEG_TEACHER,
        data_options,
        iter_options,
        train,
    )

    work = str(tmp_path_factory.mktemp('seg_kd_run'))
    options = data_options(data_root, 'cityscapes')
    train(SEG_TEACHER, f'{work}/teacher', options + iter_options(2))
    teacher_ckpt = f'{work}/teacher/iter_2.pth'
    kd_options = options + iter_options(4, ckpt_interval=2) + [f'model.teacher_ckpt={teacher_ckpt}']
    train(SEG_KD, f'{work}/kd', kd_options)
    return dict(work=work, teacher_ckpt=teacher_ckpt, options=options, kd_options=kd_options)


@pytest.fixture(scope='session')
def untrained_teachers(tmp_path_factory) -> Dict[str, str]:
    """The demo teachers (seg, depth, cls) untrained, saved as plain upstream checkpoints, for the
    tests of a method's wiring, where training the teacher is not what is tested (test_tools.py
    runs the teacher configs). Read only."""
    root = tmp_path_factory.mktemp('untrained_teachers')
    return {
        task: save_untrained(cfg, str(root / f'{task}.pth')) for task, cfg in DEMO_TEACHERS.items()
    }


def save_untrained(config: str, path: str) -> str:
    """The model of a plain-model config, untrained, saved as an upstream checkpoint (for tests
    of the wiring, where training the teacher is not what is tested)."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import MODELS, DefaultScope

    cfg = Config.fromfile(config)
    # seeded: the weights must not depend on which tests ran before in this worker (a test
    # that trains from them, e.g. AID's early stop, would otherwise pass or fail by order)
    with torch.random.fork_rng(), DefaultScope.overwrite_default_scope(cfg.default_scope):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path


def free_port() -> str:
    """A TCP port nobody listens on now, for torchrun's rendezvous."""
    import socket

    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return str(sock.getsockname()[1])
