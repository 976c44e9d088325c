"""A write that fails halfway (disk full) never leaves a truncated checkpoint, and the tool says
which file failed, which checkpoint is still good and how to go on."""

import contextlib
import errno
import glob
import os
import os.path as osp
import resource
import signal
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope
from mmengine.runner.checkpoint import save_checkpoint

import mmkd  # noqa: F401  (registers the atomic local file backend)
from mmkd.apis.export import export_student
from mmkd.utils import ConfigError
from tests.test_reliability.conftest import (
    CLS_KD,
    CLS_TEACHER,
    ROOT,
    assert_one_line_error,
    data_options,
    run_tool,
    same_bytes,
    save_untrained,
    train,
)


@contextlib.contextmanager
def file_size_limit(limit: int):
    """The kernel refuses to grow any file beyond ``limit`` bytes (a write past it is cut short,
    then fails with EFBIG): a real partial write, as on a disk that fills up mid-file."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)


def real_checkpoint() -> dict:
    """An MMEngine-style checkpoint of the digits teacher (about 1 MB)."""
    cfg = Config.fromfile(CLS_TEACHER)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    return {'meta': {'epoch': 1, 'iter': 2}, 'state_dict': model.state_dict()}


def leftovers(directory: str) -> list:
    return sorted(glob.glob(osp.join(directory, '.*')))


@pytest.mark.parametrize('target', ['epoch_2.pth', 'epoch_1.pth'], ids=['beside', 'overwrite'])
def test_checkpoint_write_cut_short_leaves_the_good_one_and_no_partial_file(target, tmp_path):
    """MMEngine's save_checkpoint (the checkpoint hook's path) after a good checkpoint exists:
    a new file beside it, or the same name written again."""
    checkpoint = real_checkpoint()
    good = str(tmp_path / 'epoch_1.pth')
    save_checkpoint(checkpoint, good)
    before = {good: open(good, 'rb').read()}
    path = str(tmp_path / target)
    checkpoint['meta']['epoch'] = 2
    with file_size_limit(len(before[good]) // 2), pytest.raises(OSError) as failure:
        save_checkpoint(checkpoint, path)
    assert failure.value.errno == errno.EFBIG and failure.value.filename == path
    assert same_bytes([good], before)
    assert torch.load(good, weights_only=True)['meta']['epoch'] == 1
    assert sorted(os.listdir(tmp_path)) == ['epoch_1.pth'] and not leftovers(str(tmp_path))


def test_export_cut_short_keeps_the_previous_export(tmp_path):
    """mmkd's own torch.save calls (here export_student overwriting an earlier export)."""
    cfg = Config.fromfile(CLS_KD)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        student = MODELS.build(cfg.model.student)
    distiller = str(tmp_path / 'kd.pth')
    torch.save(
        {'meta': {}, 'state_dict': {f'student.{k}': v for k, v in student.state_dict().items()}},
        distiller,
    )
    out = str(tmp_path / 'export' / 'student.pth')
    export_student(cfg, distiller, out)
    before = {out: open(out, 'rb').read()}
    with file_size_limit(len(before[out]) // 2), pytest.raises(ConfigError) as failure:
        export_student(cfg, distiller, out)
    assert out in str(failure.value) and 'cannot write the exported student' in str(failure.value)
    assert same_bytes([out], before) and not leftovers(osp.dirname(out))


# Loaded into the training subprocess through sitecustomize: the write of the temporary file
# that becomes epoch_2.pth stores half its bytes, then the disk is "full".
DISK_FULL_SHIM = textwrap.dedent("""
    import errno, os
    _fdopen = os.fdopen

    class _FillsUp:
        def __init__(self, f):
            self._f = f
        def write(self, data):
            self._f.write(data[:len(data) // 2])
            self._f.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        def __getattr__(self, name):
            return getattr(self._f, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self._f.__exit__(*exc)

    def fdopen(fd, *args, **kwargs):
        f = _fdopen(fd, *args, **kwargs)
        name = os.path.basename(os.readlink(f'/proc/self/fd/{fd}'))
        return _FillsUp(f) if name.startswith('.epoch_2.pth.') else f

    os.fdopen = fdopen
""")


@pytest.mark.parametrize('keep', [-1, 1], ids=['keep-all', 'max_keep_ckpts=1'])
def test_disk_full_during_training_ends_with_one_line_and_keeps_the_last_checkpoint(
    keep, data_root, tmp_path
):
    """With max_keep_ckpts=1, MMEngine's own hook would delete epoch_1.pth before the failing
    save; mmkd.CheckpointHook (tools/train.py's default) deletes only after a good save."""
    teacher = save_untrained(CLS_TEACHER, str(tmp_path / 'teacher.pth'))
    options = data_options(data_root, 'digits_cifar10') + [
        f'default_hooks.checkpoint.max_keep_ckpts={keep}',
        'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1',
        'train_dataloader.dataset.indices=8',
        'val_dataloader.dataset.indices=8',
        'train_dataloader.batch_size=8',
        f'model.teacher_ckpt={teacher}',
    ]
    work = str(tmp_path / 'work')
    train(CLS_KD, work, options)
    good = f'{work}/epoch_1.pth'
    before = {good: open(good, 'rb').read()}

    shim = tmp_path / 'shim'
    shim.mkdir()
    (shim / 'sitecustomize.py').write_text(DISK_FULL_SHIM)
    proc = subprocess.run(
        [
            sys.executable,
            'tools/train.py',
            CLS_KD,
            '--work-dir',
            work,
            '--resume',
            '--cfg-options',
            *options,
            'train_cfg.max_epochs=2',
        ],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=f'{shim}{os.pathsep}{ROOT}', OMP_NUM_THREADS='1'),
        capture_output=True,
        text=True,
        timeout=600,
    )
    message = assert_one_line_error(
        proc,
        f'{work}/epoch_2.pth',
        'No space left on device',
        f'last good checkpoint is {good}',
        '--resume',
        'free space',
    )
    assert len(message.strip().splitlines()) == 2, message  # the line and the MMKD_DEBUG hint
    assert same_bytes([good], before)
    assert not osp.exists(f'{work}/epoch_2.pth') and not leftovers(work)
    assert open(f'{work}/last_checkpoint').read().strip() == good


def test_checkpoint_hook_keeps_only_the_newest_and_exports_plain(data_root, tmp_path):
    """max_keep_ckpts still deletes, after each good save; the run's kept config names
    mmkd.CheckpointHook and the exported student config names MMEngine's, with no mmkd hook."""
    import json

    teacher = save_untrained(CLS_TEACHER, str(tmp_path / 'teacher.pth'))
    options = data_options(data_root, 'digits_cifar10') + [
        'train_cfg.max_epochs=3',
        'train_cfg.val_interval=3',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.checkpoint.max_keep_ckpts=1',
        'train_dataloader.dataset.indices=8',
        'val_dataloader.dataset.indices=8',
        'train_dataloader.batch_size=8',
        f'model.teacher_ckpt={teacher}',
    ]
    work = str(tmp_path / 'work')
    train(CLS_KD, work, options)
    assert sorted(osp.basename(p) for p in glob.glob(f'{work}/*.pth')) == ['epoch_3.pth']
    assert open(f'{work}/last_checkpoint').read().strip() == f'{work}/epoch_3.pth'
    kept = json.load(open(f'{work}/cls_kd_demo.json'))
    assert kept['default_hooks']['checkpoint']['type'] == 'mmkd.CheckpointHook'

    out = str(tmp_path / 'student.pth')
    run_tool([sys.executable, 'tools/export_student.py', CLS_KD, f'{work}/epoch_3.pth', out])
    exported = Config.fromfile(out.replace('.pth', '_config.py'))
    assert exported.default_hooks.checkpoint.type == 'CheckpointHook'
    assert not any('mmkd' in str(h.get('type')) for h in exported.get('custom_hooks', []))
