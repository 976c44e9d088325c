"""tools/benchmark/speed.py with tiny iterations: the JSON's keys, ratios that are the measured
times' ratios, a row added through ROWS, the cached rows served by the cache alone (the released
one without the teacher's weights), the FLOPs of each row (the cached step counts the student's,
the live KD step the lower bound's), the comparison of several configs, and MMRazor's row left
out when it is not installed. No timing is asserted."""

import importlib.util
import json
import os.path as osp
import statistics
import sys

import pytest

from .test_tools import ROOT

sys.path.insert(0, osp.join(ROOT, 'tools', 'benchmark'))
import speed  # noqa: E402

SEG_KD = osp.join(ROOT, 'configs', 'kd', 'seg_kd_demo.py')
SEG_SDKD = osp.join(ROOT, 'configs', 'sdkd', 'seg_sdkd_demo.py')
TINY = ['--shape', '32', '32', '--batch-size', '2', '--warmup', '0', '--iters', '1']


@pytest.fixture(scope='module')
def report(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('speed') / 'speed.json')
    rows = dict(speed.ROWS)
    # a row plugged in as the teacher-output cache row is: a function of the built Setup
    speed.ROWS['distiller_again'] = speed.distiller_live
    speed.ROWS['not_here'] = lambda setup: None
    try:
        speed.main([SEG_KD, *TINY, '--rounds', '2', '--mmrazor-config', 'x.py', '--out', out])
    finally:
        speed.ROWS.clear()
        speed.ROWS.update(rows)
    with open(out) as f:
        return json.load(f)


def test_json_holds_every_row_and_its_times(report):
    assert set(report) == {'environment', 'configs'}
    assert {'threads', 'device', 'warmup', 'iters', 'rounds'} <= set(report['environment'])
    assert report['environment']['flops_only'] is False
    result = report['configs'][SEG_KD]
    assert result['task'] == 'seg' and result['batch'] == [2, 3, 32, 32]
    assert list(result['rows']) == [
        'student',
        'lower_bound',
        'distiller',
        'distiller_cached',
        'distiller_cached_released',
        'distiller_again',
    ]
    assert result['skipped']['not_here'] == 'its row builder gave no step'
    for row in result['rows'].values():
        assert set(row) == {'wall_s', 'cpu_s', 'peak_bytes', 'times', 'flops'}
        assert len(row['times']['wall']) == len(row['times']['cpu']) == 2  # rounds x iters
        assert row['wall_s'] == statistics.median(row['times']['wall'])
        assert row['cpu_s'] == statistics.median(row['times']['cpu'])
        assert row['peak_bytes'] > 0


def test_ratios_are_the_measured_ratios(report):
    result = report['configs'][SEG_KD]
    rows, ratios = result['rows'], result['ratios']
    assert set(ratios) == {f'{r}/{b}' for r in rows for b in ('lower_bound', 'student')}
    for name, row in rows.items():
        for base in ('lower_bound', 'student'):
            ratio = ratios[f'{name}/{base}']
            assert ratio['wall'] == pytest.approx(row['wall_s'] / rows[base]['wall_s'])
            assert ratio['cpu'] == pytest.approx(row['cpu_s'] / rows[base]['cpu_s'])
            assert ratio['memory'] == pytest.approx(row['peak_bytes'] / rows[base]['peak_bytes'])
            assert ratio['flops'] == pytest.approx(row['flops'] / rows[base]['flops'])
    assert ratios['lower_bound/lower_bound'] == dict(wall=1.0, cpu=1.0, memory=1.0, flops=1.0)


def test_flops_count_the_teacher_only_where_it_runs(report):
    """KD's loss is element-wise (not counted): the live step does the lower bound's
    convolutions exactly, a cached step the student's alone."""
    rows = report['configs'][SEG_KD]['rows']
    assert rows['student']['flops'] > 0
    assert rows['lower_bound']['flops'] > 2 * rows['student']['flops']  # the w32 teacher
    assert rows['distiller']['flops'] == rows['lower_bound']['flops']
    assert rows['distiller_cached']['flops'] == rows['student']['flops']
    assert rows['distiller_cached_released']['flops'] == rows['student']['flops']


def test_flops_only_compares_the_configs_distillers(tmp_path, capsys):
    out = str(tmp_path / 'flops.json')
    tiny = ['--shape', '32', '32', '--batch-size', '2']
    report = speed.main(
        [SEG_KD, SEG_SDKD, *tiny, '--flops-only', '--rows', 'distiller', '--out', out]
    )
    with open(out) as f:
        assert json.load(f) == report
    assert report['environment']['flops_only'] is True
    kd, sdkd = (report['configs'][p]['rows'] for p in (SEG_KD, SEG_SDKD))
    assert list(kd) == list(sdkd) == ['student', 'lower_bound', 'distiller']
    assert all(set(row) == {'flops'} for row in (*kd.values(), *sdkd.values()))
    assert sdkd['lower_bound'] == kd['lower_bound']  # the same pair
    # the proxy's FFB and student tail, forward and backward, on top of KD's step
    assert sdkd['distiller']['flops'] > kd['distiller']['flops']
    # each distiller over its own lower bound, over the first config's (the same pair here)
    relative = (sdkd['distiller']['flops'] / sdkd['lower_bound']['flops']) / (
        kd['distiller']['flops'] / kd['lower_bound']['flops']
    )
    assert report['against_first'] == {
        SEG_KD: dict(flops=1.0),
        SEG_SDKD: dict(flops=pytest.approx(relative)),
    }
    printed = capsys.readouterr().out
    assert "distiller / lower bound, over seg_kd_demo.py's" in printed
    assert 'wall ms' not in printed


def test_unknown_rows_are_named():
    with pytest.raises(SystemExit):
        speed.parse_args([SEG_KD, '--rows', 'distillr'])


def test_cached_row_never_runs_the_teacher(monkeypatch):
    setup = speed.make_setup(SEG_KD, speed.parse_args([SEG_KD, *TINY]))
    step, distiller, _ = speed.distiller_cached(setup)
    assert distiller.teacher_cache.writable is False
    filled = distiller.teacher_cache.misses  # the live step that wrote the batch

    def no_teacher(*args, **kwargs):
        raise AssertionError('the teacher ran: the cached row missed')

    for teacher in distiller.teachers.values():
        monkeypatch.setattr(teacher, 'forward', no_teacher)
    step()
    step()
    assert filled == 1 and distiller.teacher_cache.misses == filled


def test_released_row_has_no_teacher_weights_and_never_misses():
    setup = speed.make_setup(SEG_KD, speed.parse_args([SEG_KD, *TINY]))
    step, distiller, _ = speed.distiller_cached_released(setup)
    assert distiller.teachers_released
    assert sum(p.numel() for p in distiller.teachers.parameters()) == 0
    step()  # a miss would raise: the released teacher cannot run
    step()
    assert (distiller.teacher_cache.hits, distiller.teacher_cache.misses) == (2, 0)


@pytest.mark.skipif(importlib.util.find_spec('mmrazor') is not None, reason='MMRazor installed')
def test_mmrazor_row_is_left_out_without_mmrazor(report):
    assert report['configs'][SEG_KD]['skipped']['mmrazor'] == 'MMRazor is not installed'


def test_cfg_options_reach_every_config():
    """The full proxy pass re-runs the student's stages before the fusion: more FLOPs."""
    args = [SEG_SDKD, '--shape', '32', '32', '--flops-only', '--rows', 'distiller']
    default = speed.main(args)['configs'][SEG_SDKD]['rows']['distiller']['flops']
    report = speed.main([*args, '--cfg-options', 'model.proxy_pass=full'])
    assert report['environment']['cfg_options'] == {'model.proxy_pass': 'full'}
    assert report['configs'][SEG_SDKD]['rows']['distiller']['flops'] > default


def test_step_flops_are_torchs_flop_counts():
    """The same total as torch's FlopCounterMode on a forward and backward."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Conv2d(8, 4, 1))
    x = torch.randn(2, 3, 16, 16)

    def step():
        net(x).sum().backward()

    with FlopCounterMode(display=False) as reference:
        step()
    conv1, conv2 = 2 * 3 * 9 * 8 * 2 * 14 * 14, 2 * 8 * 4 * 2 * 14 * 14  # MACs x 2, per output
    # forward, the weight gradients of both, the input gradient of the second only
    assert speed.step_flops(step) == reference.get_total_flops() == 2 * conv1 + 3 * conv2


def test_a_step_with_autograd_grad_inside_is_counted():
    """DSKD's guidance calls torch.autograd.grad inside the step (FlopCounterMode fails there)."""
    cls_dskd = osp.join(ROOT, 'configs', 'dskd', 'cls_dskd_demo.py')
    report = speed.main([cls_dskd, '--batch-size', '2', '--flops-only', '--rows', 'distiller'])
    rows = report['configs'][cls_dskd]['rows']
    assert rows['distiller']['flops'] > rows['student']['flops']  # + the diffusion model's


def test_no_comparison_without_distiller_rows():
    args = [SEG_KD, SEG_SDKD, '--shape', '32', '32', '--flops-only', '--rows', 'student']
    report = speed.main(args)
    assert 'against_first' not in report
    assert all(list(r['rows']) == ['student', 'lower_bound'] for r in report['configs'].values())
