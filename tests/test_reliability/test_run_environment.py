"""Problems of the run's surroundings end in one line naming the path and the fix (issue #11,
item 5): a missing config file, an unwritable work dir and a full disk."""

import errno
import glob
import os
import os.path as osp
import sys

import pytest

from mmkd.apis.preflight import check_work_dir, disk_full_message, last_saved_checkpoint
from mmkd.utils import ConfigError
from tests.test_reliability.conftest import (
    SEG_TEACHER,
    assert_one_line_error,
    data_options,
    iter_options,
    run_tool,
    save_untrained,
    train,
)


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_missing_config_file(tool, tmp_path):
    proc = run_tool(
        [
            sys.executable,
            f'tools/{tool}.py',
            'configs/kd/seg_kd_dmeo.py',
            *(['x.pth'] if tool == 'test' else []),
            '--work-dir',
            str(tmp_path),
        ],
        expect_ok=False,
    )
    assert_one_line_error(proc, 'config file not found: configs/kd/seg_kd_dmeo.py.')


def test_missing_base_config(tmp_path):
    config = tmp_path / 'child.py'
    config.write_text("_base_ = ['./no_such_base.py']\n")
    proc = train(str(config), str(tmp_path / 'work'), ['train_cfg.max_iters=1'], expect_ok=False)
    assert_one_line_error(proc, f'{config}:', 'no_such_base.py', 'Fix the _base_ path')


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_unwritable_work_dir_is_named_before_anything_runs(tool, data_root, tmp_path):
    """A directory below a regular file cannot be created, not even by root."""
    blocker = tmp_path / 'file.txt'
    blocker.write_text('a file, not a directory')
    work_dir = str(blocker / 'sub')
    options = data_options(data_root, 'cityscapes') + iter_options(1)
    if tool == 'train':
        proc = train(SEG_TEACHER, work_dir, options, expect_ok=False)
    else:
        checkpoint = save_untrained(SEG_TEACHER, str(tmp_path / 'model.pth'))
        proc = run_tool(
            [
                sys.executable,
                'tools/test.py',
                SEG_TEACHER,
                checkpoint,
                '--work-dir',
                work_dir,
                '--cfg-options',
                *options,
            ],
            expect_ok=False,
        )
    assert_one_line_error(
        proc,
        f'work dir {work_dir} cannot be written (Not a directory)',
        'choose another --work-dir',
    )
    assert blocker.read_text() == 'a file, not a directory'


@pytest.mark.skipif(not osp.exists('/dev/full'), reason='needs /dev/full to fill a "disk"')
def test_disk_full_while_writing_the_dumped_config(data_root, tmp_path):
    """MMEngine dumps the config to the work dir at start; there the write fails with ENOSPC."""
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    os.symlink('/dev/full', work_dir / osp.basename(SEG_TEACHER))
    proc = train(
        SEG_TEACHER,
        str(work_dir),
        data_options(data_root, 'cityscapes') + iter_options(1),
        expect_ok=False,
    )
    assert_one_line_error(
        proc,
        'no space left on the device',
        'free some space or choose a --work-dir on another disk',
    )
    assert not glob.glob(str(work_dir / '*.pth'))


def test_disk_full_at_the_work_dir_check(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, 'fsync', full)
    with pytest.raises(ConfigError, match=f'no space left on the device writing {tmp_path}'):
        check_work_dir(str(tmp_path))


def test_only_a_full_disk_gets_the_disk_message():
    assert disk_full_message(OSError(errno.EACCES, 'Permission denied')) is None
    assert disk_full_message(ValueError('x')) is None
    assert 'a.log' in disk_full_message(OSError(errno.ENOSPC, 'No space left', 'a.log'))


def test_the_disk_message_names_the_last_good_checkpoint_only_if_it_exists(tmp_path, capsys):
    failed = str(tmp_path / 'iter_3.pth')
    full = OSError(errno.ENOSPC, 'No space left', failed)
    # no last_checkpoint record: no checkpoint named, and no stray line from MMEngine's reader
    assert 'last good checkpoint' not in disk_full_message(full)
    assert last_saved_checkpoint(str(tmp_path)) is None and capsys.readouterr().out == ''
    (tmp_path / 'last_checkpoint').write_text('iter_2.pth\n')  # relative to the work dir
    assert last_saved_checkpoint(str(tmp_path)) is None  # names a file that is not there
    (tmp_path / 'iter_2.pth').write_bytes(b'')
    assert last_saved_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_2.pth')
    assert f'The last good checkpoint is {tmp_path}/iter_2.pth' in disk_full_message(full)
    (tmp_path / 'last_checkpoint').write_text(failed)  # the file that failed is not 'good'
    assert 'last good checkpoint' not in disk_full_message(full)
