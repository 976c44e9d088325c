"""tools/benchmark/gpu_check.py in its reduced CPU mode: every paper-scale config builds and
trains two iterations on synthetic data of its task, through the same code the GPU check runs."""

import json
import os.path as osp
import sys

import pytest

from .test_tools import ROOT, run_tool

sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))
import gpu_check  # noqa: E402

CONFIGS = list(gpu_check.PAPER_CONFIGS)


def table_rows(stdout: str) -> list:
    """The cells of the printed prettytable's rows, the header first."""
    lines = [line for line in stdout.splitlines() if line.startswith('|')]
    return [[cell.strip() for cell in line.strip('|').split('|')] for line in lines]


@pytest.fixture(scope='module')
def smoke_run(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('gpu_check') / 'check.json')
    proc = run_tool([sys.executable, 'tools/benchmark/gpu_check.py', '--cpu-smoke', '--out', out])
    with open(out) as f:
        return proc.stdout, json.load(f)


def test_every_config_trains_with_finite_loss(smoke_run):
    stdout, _ = smoke_run
    header, *rows = table_rows(stdout)
    assert header == [
        'config',
        'run',
        'batch',
        'it/s',
        'peak MiB',
        'loss finite',
        'teacher share',
        'status',
    ]
    trained = {r[0]: dict(zip(header, r)) for r in rows if r[1] == 'CPU'}
    assert sorted(trained) == sorted(CONFIGS)
    for name, row in trained.items():
        assert row['status'] == 'ok', name
        assert row['loss finite'] == 'yes', name
        assert float(row['it/s']) > 0, name
        assert float(row['peak MiB']) > 0, name
        assert 0 < float(row['teacher share'].rstrip('%')) < 100, name
    # the reduced shapes, batch 2
    assert trained['seg_kd']['batch'] == '2x3x32x64'
    assert trained['depth_kd']['batch'] == '2x3x32x32'
    assert trained['cls_kd']['batch'] == '2x3x32x32'


def test_gpu_only_rows_say_why_they_are_skipped(smoke_run):
    stdout, _ = smoke_run
    rows = table_rows(stdout)[1:]
    for name in CONFIGS:
        [amp] = [r for r in rows if r[0] == name and r[1] == 'CPU AMP']
        assert amp[-1] == 'skipped (AMP: AmpOptimWrapper needs a GPU)'
        [ddp] = [r for r in rows if r[0] == name and r[1] == '2 GPUs NCCL SyncBN']
        assert ddp[-1].startswith('skipped (no GPU')


def test_json_holds_every_row(smoke_run):
    _, report = smoke_run
    assert report['environment']['device'] == 'cpu' and report['plan']['smoke'] is True
    assert report['plan']['iters'] == 2 and report['plan']['batch_size'] == 2
    rows = {(r['config'], r['run']): r for r in report['rows']}
    assert len(rows) == 3 * len(CONFIGS)
    for name in CONFIGS:
        row = rows[name, 'CPU']
        assert row['loss_finite'] is True and row['its'] > 0 and row['peak_bytes'] > 0
        assert len(row['losses']) == 2  # warm-up 0 + 2 timed iterations, all finite
        assert rows[name, 'CPU AMP']['its'] is None


def test_synthetic_batches_have_the_real_label_spaces():
    seg = gpu_check.synthetic_batch('seg', 2, (32, 64), num_classes=19)
    labels = seg['data_samples'][0].gt_sem_seg.data
    assert labels.shape == (1, 32, 64) and seg['inputs'][0].shape == (3, 32, 64)
    assert set(labels.unique().tolist()) <= set(range(19)) | {255} and (labels == 255).any()
    depth = gpu_check.synthetic_batch('depth', 2, (16, 16), num_classes=1)
    values = depth['data_samples'][1].gt_depth_map.data
    assert values.min() >= 0.5 and values.max() <= 10.0
    cls = gpu_check.synthetic_batch('cls', 8, (32, 32), num_classes=100)
    assert all(0 <= int(s.gt_label) < 100 for s in cls['data_samples'])


def test_unknown_config_name_is_one_line():
    with pytest.raises(SystemExit, match="no config 'seg_kdd': give a file or one of"):
        gpu_check.main(['--configs', 'seg_kdd', '--cpu-smoke'])
