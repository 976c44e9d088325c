"""The shape of configs/: a method config is a task base + a model file + its own dict.

Readable in one screen: at most two hops of our own ``_base_`` files (upstream ``mmseg::`` /
``mmpretrain::`` bases count as leaves), and no model dict that undoes a parent's.
"""

import ast
import glob
import os.path as osp
from typing import List

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p
    for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if f'{osp.sep}_base_{osp.sep}' not in p
)
TASK_BASES = sorted(glob.glob(osp.join(ROOT, 'configs', '_base_', '*.py')))
MAX_HOPS = 2


def _assignment(path: str, name: str):
    for node in ast.parse(open(path).read()).body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, 'id', None) == name for t in node.targets
        ):
            return node.value
    return None


def own_bases(path: str) -> List[str]:
    """The ``_base_`` files of ``path`` that live in this repository (not ``pkg::...``)."""
    node = _assignment(path, '_base_')
    if node is None:
        return []
    bases = ast.literal_eval(node)
    bases = [bases] if isinstance(bases, str) else bases
    return [osp.normpath(osp.join(osp.dirname(path), b)) for b in bases if '::' not in b]


def hops(path: str) -> int:
    return max((1 + hops(base) for base in own_bases(path)), default=0)


def test_hops_counts_the_longest_chain_of_own_bases(tmp_path):
    (tmp_path / 'leaf.py').write_text("_base_ = ['mmseg::_base_/default_runtime.py']\n")
    (tmp_path / 'mid.py').write_text("_base_ = './leaf.py'\n")
    (tmp_path / 'top.py').write_text("_base_ = ['./leaf.py', './mid.py']\n")
    assert [hops(str(tmp_path / f)) for f in ('leaf.py', 'mid.py', 'top.py')] == [0, 1, 2]


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_is_at_most_two_own_bases_deep(path):
    assert hops(path) <= MAX_HOPS, (
        f'{osp.relpath(path, ROOT)} is {hops(path)} _base_ hops deep; inherit a task base '
        'from configs/_base_/ plus a model file and write the model dict whole'
    )


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_model_dict_does_not_undo_a_parent(path):
    model = _assignment(path, 'model')
    undoing = [
        f'{k.arg}=' + ast.unparse(k.value)
        for node in ast.walk(model or ast.Pass())
        if isinstance(node, ast.Call)
        for k in node.keywords
        if k.arg == '_delete_'
        or (
            k.arg in ('losses', 'teacher', 'teacher_ckpt')
            and isinstance(k.value, ast.Constant)
            and k.value.value is None
        )
    ]
    assert not undoing, f'{osp.relpath(path, ROOT)}: model undoes its base with {undoing}'


@pytest.mark.parametrize('path', TASK_BASES, ids=lambda p: osp.relpath(p, ROOT))
def test_task_base_holds_no_model(path):
    assert _assignment(path, 'model') is None, 'models come from configs/_base_/models/'
