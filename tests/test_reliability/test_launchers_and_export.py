"""Launchers take paths with spaces; an exported student needs no mmkd; a refused checkpoint's
message never advises turning safe loading off."""

import json
import os
import os.path as osp
import pickle
import shlex
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

from mmkd.apis.export import student_config
from mmkd.engine.checkpoint import load_checkpoint_file
from mmkd.utils import ConfigError
from tests.test_reliability.conftest import (
    CIFAR_ZOO_KD,
    CLS_KD,
    DEPTH_KD,
    ROOT,
    SEG_KD,
    SEG_TEACHER,
    assert_one_line_error,
    data_options,
    free_port,
    iter_options,
    run_tool,
    save_untrained,
    train,
)


# ------------------------------------------------------------------ launchers: paths with spaces
def test_dist_train_and_dist_test_take_paths_with_spaces(data_root, tmp_path):
    """Training in one process (the quoting is what is tested; the dist_train tests of
    tests/test_tools train in two), evaluation in two (the only 2-process dist_test)."""
    spaced = tmp_path / 'my runs'
    (spaced / 'configs dir').mkdir(parents=True)
    config = str(spaced / 'configs dir' / 'seg kd.py')
    teacher = save_untrained(SEG_TEACHER, str(spaced / 'teacher ckpt.pth'))
    with open(config, 'w') as f:  # (MMEngine's --cfg-options deletes spaces inside values)
        f.write(f'_base_ = [{SEG_KD!r}]\nmodel = dict(teacher_ckpt={teacher!r})\n')
    work = str(spaced / 'work dir')
    options = data_options(data_root, 'cityscapes') + iter_options(1)
    env = dict(os.environ, PORT=free_port(), PYTHON=sys.executable, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', config, '1', '--work-dir', work, '--cfg-options', *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert osp.isfile(osp.join(work, 'iter_1.pth'))
    assert osp.isfile(osp.join(work, 'seg kd.py'))  # the dumped config, under its own name

    env['PORT'] = free_port()
    metrics = str(spaced / 'metrics out.json')
    proc = subprocess.run(
        [
            'bash',
            'tools/dist_test.sh',
            config,
            osp.join(work, 'iter_1.pth'),
            '2',
            '--work-dir',
            str(spaced / 'test dir'),
            '--metrics-out',
            metrics,
            '--cfg-options',
            *options,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert 'mIoU' in json.load(open(metrics))


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_slurm_launchers_pass_every_argument_through_whole(tool, tmp_path):
    """srun is not installed here: a stand-in records the argv it is given."""
    fake_bin = tmp_path / 'bin'
    fake_bin.mkdir()
    record = tmp_path / 'argv.json'
    (fake_bin / 'srun').write_text(
        f'#!{sys.executable}\nimport json, sys\n'
        f'json.dump(sys.argv[1:], open({str(record)!r}, "w"))\n'
    )
    (fake_bin / 'srun').chmod(0o755)
    config = str(tmp_path / 'a dir' / 'my config.py')
    # slurm_test.sh takes the checkpoint after the config, as tools/test.py does
    positional = [config] if tool == 'train' else [config, str(tmp_path / 'my ckpt.pth')]
    env = dict(
        os.environ,
        PATH=f'{fake_bin}:{os.environ["PATH"]}',
        GPUS='2',
        GPUS_PER_NODE='2',
        SRUN_ARGS='--time=1:00 --mem=4G',
        PYTHON='py thon',
    )
    proc = subprocess.run(
        [
            'bash',
            f'tools/slurm_{tool}.sh',
            'gpu part',
            'job name',
            *positional,
            '--work-dir',
            str(tmp_path / 'work dir'),
            '--cfg-options',
            'model.teacher_ckpt=/ckpts/my teacher.pth',
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    argv = json.load(open(record))
    assert argv[:2] == ['-p', 'gpu part'] and '--job-name=job name' in argv
    assert '--gres=gpu:2' in argv and '--ntasks=2' in argv
    assert '--time=1:00' in argv and '--mem=4G' in argv  # SRUN_ARGS split into options
    tail = argv[argv.index('py thon') :]
    assert tail == [
        'py thon',
        '-u',
        f'{ROOT}/tools/{tool}.py',
        *positional,
        '--launcher=slurm',
        '--work-dir',
        str(tmp_path / 'work dir'),
        '--cfg-options',
        'model.teacher_ckpt=/ckpts/my teacher.pth',
    ]


# ------------------------------------------------------------- export: a student without mmkd
NO_MMKD = textwrap.dedent('''
    import sys

    class NoMmkd:
        """mmkd is not installed here."""
        def find_spec(self, name, path=None, target=None):
            if name == 'mmkd' or name.startswith('mmkd.'):
                raise ModuleNotFoundError(f'No module named {name!r}')
            return None

    sys.meta_path.insert(0, NoMmkd())
    try:
        import mmkd  # noqa: F401
    except ModuleNotFoundError:
        pass
    else:
        raise SystemExit('the blocker let mmkd through')

    import torch
    from mmengine.config import Config
    from mmengine.registry import MODELS, DefaultScope

    config, checkpoint = sys.argv[1:]
    cfg = Config.fromfile(config)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    model.load_state_dict(torch.load(checkpoint, weights_only=True)['state_dict'], strict=True)
    print('built', type(model).__name__)
''')


def test_exported_seg_student_loads_where_mmkd_is_not_installed(tmp_path):
    kd_cfg = Config.fromfile(SEG_KD)
    with DefaultScope.overwrite_default_scope('mmseg'):
        student = MODELS.build(kd_cfg.model.student)
    distiller_ckpt = str(tmp_path / 'distiller.pth')
    torch.save(
        {'state_dict': {f'student.{k}': v for k, v in student.state_dict().items()}, 'meta': {}},
        distiller_ckpt,
    )
    out = str(tmp_path / 'export' / 'student.pth')
    run_tool([sys.executable, 'tools/export_student.py', SEG_KD, distiller_ckpt, out])
    exported_cfg = out.replace('.pth', '_config.py')
    assert 'mmkd' not in Config.fromfile(exported_cfg).get('custom_imports', {}).get('imports', [])

    script = tmp_path / 'no_mmkd.py'
    script.write_text(NO_MMKD)
    proc = subprocess.run(
        [sys.executable, str(script), exported_cfg, out],
        cwd=str(tmp_path),
        env=dict(os.environ, PYTHONPATH='', OMP_NUM_THREADS='1'),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert 'built EncoderDecoder' in proc.stdout


@pytest.mark.parametrize('config', [CLS_KD, CIFAR_ZOO_KD, DEPTH_KD])
def test_export_keeps_the_mmkd_import_when_the_student_needs_it(config):
    """CIFAR-zoo students are mmkd.CIFARResNet / mmkd.WRN, the depth students have mmkd's depth
    head, the cls demo reads mmkd.CIFAR10Embedded: their student configs still import mmkd."""
    cfg = Config.fromfile(config)
    imports = dict(imports=['mmkd'], allow_failed_imports=False)
    if config == CIFAR_ZOO_KD:
        assert cfg.custom_imports == imports  # its own, from _base_/cls_cifar100_kd.py
    cfg.custom_imports = imports
    assert student_config(cfg).custom_imports == imports


def test_export_drops_only_mmkd_from_custom_imports():
    cfg = Config.fromfile(SEG_KD)
    cfg.custom_imports = dict(
        imports=['mmkd', 'mmkd.models', 'my_plugin'], allow_failed_imports=False
    )
    assert student_config(cfg).custom_imports == dict(
        imports=['my_plugin'], allow_failed_imports=False
    )


# ------------------------------------------- a refused checkpoint: no advice to load it unsafely
class RunsShell:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {shlex.quote(self.marker)}',)


@pytest.fixture
def evil_checkpoint(tmp_path) -> str:
    path = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': {}, 'meta': {'x': RunsShell(str(tmp_path / 'PWNED'))}}, path)
    return path


def test_torch_itself_advises_unsafe_loading(evil_checkpoint):
    """Why the message is filtered: torch's own text for this file says weights_only=False."""
    with pytest.raises(pickle.UnpicklingError) as err:
        torch.load(evil_checkpoint, weights_only=True)
    assert 'weights_only' in str(err.value) and '`False`' in str(err.value)


def test_refused_checkpoint_message_names_the_object_not_the_unsafe_fix(evil_checkpoint, tmp_path):
    with pytest.raises(ConfigError) as err:
        load_checkpoint_file(evil_checkpoint, 'teacher')
    message = str(err.value)
    assert 'could not be read' in message and 'system' in message, message
    assert 'weights_only' not in message and 'Weights only' not in message, message
    assert not osp.exists(tmp_path / 'PWNED')


def test_train_with_a_refused_teacher_checkpoint(evil_checkpoint, data_root, tmp_path):
    proc = train(
        SEG_KD,
        str(tmp_path / 'work'),
        data_options(data_root, 'cityscapes')
        + iter_options(1)
        + [f'model.teacher_ckpt={evil_checkpoint}'],
        expect_ok=False,
    )
    message = assert_one_line_error(proc, 'teacher checkpoint', 'could not be read', 'system')
    assert 'weights_only' not in message, message
    assert 'weights_only=False' not in proc.stderr + proc.stdout
    assert not osp.exists(tmp_path / 'PWNED')
