"""tools/cache_teacher.py fills a cache that a training run of the same config then reads for
every batch (exact mode: the same seed draws the same samples; geometric mode: every image)."""

import math
import os.path as osp
import sys

import pytest

from .test_tools import SEG_KD, data_options, iter_options, logged_losses, run_tool, train

MISS = 'a batch it does not hold'


def fill(config: str, out: str, mode: str, options):
    args = [sys.executable, 'tools/cache_teacher.py', config, '--out', out, '--mode', mode]
    return run_tool([*args, '--cfg-options', *options]).stdout


@pytest.mark.parametrize('mode', ['exact', 'geometric'])
def test_a_filled_cache_serves_every_batch_of_the_run(mode, data_root, tmp_path):
    options = data_options(data_root, 'cityscapes') + iter_options(3) + ['model.teacher_ckpt=None']
    cache = str(tmp_path / 'cache')
    printed = fill(SEG_KD, cache, mode, options)
    assert 'bytes per entry' in printed and 'geometric: 2975 images (GiB)' in printed
    keys = open(osp.join(cache, 'keys.txt')).read().split()
    if mode == 'geometric':  # one entry per training image, keyed by its path
        assert len(keys) == 8 and all(k.startswith('path:') for k in keys)
    reading = [
        f'model.teacher_cache.dir={cache}',
        f'model.teacher_cache.mode={mode}',
        'model.teacher_cache.writable=False',
    ]
    run = train(SEG_KD, str(tmp_path / 'work'), options + reading)
    assert MISS not in run.stdout + run.stderr
    losses = logged_losses(str(tmp_path / 'work'))
    assert sorted(losses) == [1, 2, 3]
    assert all(math.isfinite(v) for step in losses.values() for v in step.values())
    assert open(osp.join(cache, 'keys.txt')).read().split() == keys
