"""tools/benchmark/run_matrix.py: configs x seeds -> train -> test the last checkpoint -> table."""

import json
import os.path as osp
import sys

from .test_tools import CFG, ROOT, run_tool

sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))
import run_matrix  # noqa: E402

SEG_SFKD = f'{CFG}/sfkd/seg_kd-sfkd_demo.py'


def cells(line: str) -> str:
    """A Markdown table row without the column padding prettytable adds: '| a | b |'."""
    return '| ' + ' | '.join(c.strip() for c in line.strip().strip('|').split('|')) + ' |'


def test_table_mean_and_sample_std():
    runs = [
        run_matrix.Run('configs/a/x_demo.py', 0, '', metrics={'mIoU': 70.0, 'aAcc': 0.5}),
        run_matrix.Run('configs/a/x_demo.py', 1, '', metrics={'mIoU': 72.0, 'aAcc': 0.7}),
        run_matrix.Run('configs/a/x_demo.py', 2, '', error='boom'),
        run_matrix.Run('configs/b/y_demo.py', 0, '', metrics={'mIoU': 60.0, 'aAcc': 0.25}),
    ]
    table = [cells(line) for line in run_matrix.markdown_table(runs).splitlines()]
    assert table[0] == '| config | seeds | mIoU | aAcc |'
    assert set(table[1]) <= set('|:- ') and table[1].count('|') == 5  # a Markdown table
    # x: mIoU mean (70 + 72)/2 = 71, sample std sqrt(((70-71)² + (72-71)²) / (2-1)) = √2 ~= 1.41
    #    aAcc mean 0.6, std sqrt((0.01 + 0.01) / 1) = √0.02 ~= 0.1414 (4 decimals below 1)
    assert table[2] == '| x_demo | 2 (0,1), 1 failed | 71.00 ± 1.41 | 0.6000 ± 0.1414 |'
    # y: one seed, no std
    assert table[3] == '| y_demo | 1 (0) | 60.00 | 0.2500 |'
    only = [
        cells(line)
        for line in run_matrix.markdown_table(runs, metrics=['mIoU'], digits=1).splitlines()
    ]
    assert only[0] == '| config | seeds | mIoU |' and only[2].endswith('| 71.0 ± 1.4 |')


def test_last_checkpoint(tmp_path):
    assert run_matrix.last_checkpoint(str(tmp_path)) is None
    for name in ('iter_2.pth', 'iter_10.pth', 'best_mIoU_iter_2.pth'):
        (tmp_path / name).write_bytes(b'')
    assert run_matrix.last_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_10.pth')
    # MMEngine's pointer file wins (it names the checkpoint saved last)
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_2.pth'))
    assert run_matrix.last_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_2.pth')


def test_dry_run_commands(capsys):
    assert (
        run_matrix.main(
            [
                SEG_SFKD,
                '--seeds',
                '3',
                '--iters',
                '5',
                '--data-root',
                '/d',
                '--work-root',
                '/w',
                '--dry-run',
            ]
        )
        == 0
    )
    train_line, test_line = capsys.readouterr().out.strip().splitlines()
    assert 'tools/train.py' in train_line and 'randomness.seed=3' in train_line
    assert 'train_cfg.max_iters=5' in train_line and '/w/seg_kd-sfkd_demo/seed_3' in train_line
    assert 'train_dataloader.dataset.data_root=/d' in train_line
    assert 'tools/test.py' in test_line and '--metrics-out' in test_line
    assert 'test_dataloader.dataset.data_root=/d' in test_line
    assert 'randomness.seed' not in test_line


def test_sweep_gives_each_value_its_runs_and_row(capsys):
    key = 'model.losses.kd.teacher_transform.ratio'
    assert (
        run_matrix.main(
            [
                SEG_SFKD,
                '--seeds',
                '0',
                '--work-root',
                '/w',
                '--dry-run',
                '--sweep',
                key,
                '0.3',
                '1.0',
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4  # (train, test) x 2 values
    assert f'{key}=0.3' in lines[0] and f'{key}=0.3' in lines[1]
    assert f'/w/seg_kd-sfkd_demo/{key}=1.0/seed_0' in lines[2] and f'{key}=1.0' in lines[3]
    runs = [
        run_matrix.Run('c/x_demo.py', 0, '', metrics={'m': 1.0}, variant='r=0.3'),
        run_matrix.Run('c/x_demo.py', 1, '', metrics={'m': 3.0}, variant='r=0.3'),
        run_matrix.Run('c/x_demo.py', 0, '', metrics={'m': 5.0}, variant='r=1.0'),
    ]
    table = [cells(line) for line in run_matrix.markdown_table(runs).splitlines()]
    assert table[2] == '| x_demo r=0.3 | 2 (0,1) | 2.00 ± 1.41 |'
    assert table[3] == '| x_demo r=1.0 | 1 (0) | 5.00 |'


def test_one_config_two_seeds(data_root, tmp_path, capsys):  # noqa: F811
    work = tmp_path / 'matrix'
    args = [
        sys.executable,
        'tools/benchmark/run_matrix.py',
        SEG_SFKD,
        '--seeds',
        '0',
        '1',
        '--iters',
        '2',
        '--data-root',
        osp.join(data_root, 'cityscapes'),
        '--work-root',
        str(work),
        '--metrics',
        'mIoU',
        'aAcc',
        '--cfg-options',
        'model.teacher_ckpt=None',
        'train_dataloader.batch_size=2',
        'val_dataloader.batch_size=2',
        'test_dataloader.batch_size=2',
        'default_hooks.logger.interval=1',
    ]
    proc = run_tool(args)
    results = json.load(open(work / 'results.json'))
    assert [r['seed'] for r in results] == [0, 1]
    for r in results:
        assert r['error'] is None
        assert osp.basename(r['checkpoint']) == 'iter_2.pth'  # the last checkpoint
        assert 0 <= r['metrics']['mIoU'] <= 100
        assert r['metrics'] == json.load(open(osp.join(r['work_dir'], 'metrics.json')))
        dumped = open(osp.join(r['work_dir'], 'seg_kd-sfkd_demo.py')).read()
        assert f'seed={r["seed"]}' in dumped.replace(' ', '')
    table = open(work / 'results.md').read()
    rows = [cells(line) for line in table.splitlines() if line.startswith('|')]
    assert rows[0] == '| config | seeds | mIoU | aAcc |'
    row = rows[2]
    assert row.startswith('| seg_kd-sfkd_demo | 2 (0,1) |')
    assert row.count('±') == 2 and table in proc.stdout
    # a second call with --skip-done reuses the runs: same table, no training (in this process:
    # the script's command line ran above, and this call starts nothing)
    assert run_matrix.main(args[2:] + ['--skip-done']) == 0
    again = capsys.readouterr().out
    assert '[run_matrix] train' not in again and table in again
    assert open(work / 'results.md').read() == table
