"""make demo's live progress (MMEngine log lines -> how far each run is; quiet lines in CI) and
the order its runs train in."""

import os.path as osp
import sys

from .test_tools import ROOT

sys.path.insert(0, osp.join(ROOT, 'tools'))
import demo  # noqa: E402

ITER_LINE = (
    '12/01 17:20:11 - mmengine - INFO - Iter(train) [ 50/600]  base_lr: 1.0000e-02 '
    'lr: 1.0000e-02  eta: 0:01:23  time: 0.1521  data_time: 0.0100  memory: 0  '
    'loss: 1.2345  student.decode.loss_ce: 1.0000'
)
EPOCH_LINE = (
    '12/01 17:20:11 - mmengine - INFO - Epoch(train)  [3][10/45]  lr: 1.0000e-01  '
    'eta: 0:01:02  time: 0.0331  data_time: 0.0012  memory: 0  loss: 0.5432  '
    'distill.loss_kd: 0.1000'
)


def test_iteration_and_epoch_lines():
    run = demo.RunProgress('seg_kd')
    assert run.update(ITER_LINE)
    assert run.fraction == 50 / 600 and run.eta == '0:01:23' and run.loss == '1.2345'
    assert run.summary() == 'seg_kd:   8 % (iter 50/600) eta 0:01:23 loss 1.2345'
    assert not run.update('Iter(val) [ 5/8]  eta: 0:00:01')  # validation does not move it
    epochs = demo.RunProgress('cls_kd', max_epochs=15)
    assert epochs.update(EPOCH_LINE)
    assert epochs.fraction == (2 * 45 + 10) / (15 * 45)  # epochs 1-2 done, 10 of 45 of the 3rd
    assert epochs.position == 'epoch 3/15 iter 10/45'


def test_progress_lines_in_a_log(capsys):
    """Not a terminal: one line per run at each quarter, and the steps still succeed."""
    script = (
        'import time\n'
        'for i in range(1, 5):\n'
        '    print(f"Iter(train) [{i}/4]  eta: 0:00:0{4 - i}  loss: {1 / i:.4f}", flush=True)\n'
        '    time.sleep(1.2)\n'
    )
    demo.run_parallel([[sys.executable, '-c', script], [sys.executable, '-c', script]])
    lines = [line for line in capsys.readouterr().out.splitlines() if '%' in line]
    assert sum('100 % (iter 4/4)' in line for line in lines) == 2
    assert 2 <= len(lines) <= 8  # at most one line per quarter per run


def test_training_stages_put_a_slow_teacher_alone_first():
    shapes = [[r.name for r in stage] for stage in demo.training_stages(demo.TASKS['shapes'])]
    assert shapes == [['shapes_teacher'], ['shapes_student', 'shapes_cwd']]
    street = [[r.name for r in stage] for stage in demo.training_stages(demo.TASKS['street'])]
    assert street == [['seg_teacher', 'seg_student'], ['seg_kd', 'seg_kd_unannotated']]


def test_every_demo_config_exists_and_the_default_tasks_are_known():
    assert set(demo.DEFAULT_TASKS) <= set(demo.TASKS)
    for task in demo.TASKS.values():
        assert task.runs[0].distills is False and task.runs[1].distills is False
        assert all(osp.isfile(osp.join(demo.ROOT, r.config)) for r in task.runs)
