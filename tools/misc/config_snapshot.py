"""Snapshot every config's resolved dict, and compare two snapshots key by key.

A safety net for restructuring configs/ (moving ``_base_`` files, writing model dicts whole):
the keys the runner and mmkd's tools read must resolve to the same values before and after.

    PYTHONPATH=$PWD python tools/misc/config_snapshot.py dump /tmp/cfg_before
    ... restructure configs/ ...
    PYTHONPATH=$PWD python tools/misc/config_snapshot.py dump /tmp/cfg_after
    python tools/misc/config_snapshot.py compare /tmp/cfg_before /tmp/cfg_after

``compare`` exits 1 when a runner key differs (or a config is missing); keys no runner reads
(``_base_`` helper variables such as ``seg_demo_student`` or ``dataset_type``) are only listed.
"""

import argparse
import glob
import json
import os
import os.path as osp
import sys

# what mmengine's Runner.from_cfg reads, plus the keys mmkd's and the upstream tools read
RUNNER_KEYS = frozenset(
    {
        'model',
        'work_dir',
        'train_dataloader',
        'val_dataloader',
        'test_dataloader',
        'train_cfg',
        'val_cfg',
        'test_cfg',
        'auto_scale_lr',
        'optim_wrapper',
        'param_scheduler',
        'val_evaluator',
        'test_evaluator',
        'default_hooks',
        'custom_hooks',
        'data_preprocessor',
        'load_from',
        'resume',
        'launcher',
        'env_cfg',
        'log_processor',
        'log_level',
        'visualizer',
        'default_scope',
        'randomness',
        'experiment_name',
        'custom_imports',
        'aid_adaptation',
        'tta_model',
        'tta_pipeline',
    }
)


ABSENT = '<absent>'


def dump(out_dir: str, root: str = 'configs') -> int:
    """Write ``<out_dir>/<config path with / as __>.json`` for every config under ``root``."""
    from mmengine.config import Config

    os.makedirs(out_dir, exist_ok=True)
    paths = sorted(
        p
        for p in glob.glob(osp.join(root, '**', '*.py'), recursive=True)
        if f'{osp.sep}_base_{osp.sep}' not in p
    )
    for path in paths:
        resolved = Config.fromfile(path).to_dict()
        name = osp.relpath(path, root).replace(osp.sep, '__')[: -len('.py')] + '.json'
        with open(osp.join(out_dir, name), 'w') as f:
            json.dump(resolved, f, indent=1, sort_keys=True, default=repr)
    print(f'{len(paths)} configs written to {out_dir}')
    return 0


def _paths_differing(old, new, prefix: str = ''):
    """``(dotted path, old, new)`` for every leaf where two resolved values differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            yield from _paths_differing(
                old.get(key, ABSENT), new.get(key, ABSENT), f'{prefix}.{key}' if prefix else key
            )
    elif old != new:
        yield prefix, old, new


def compare(before_dir: str, after_dir: str) -> int:
    """Print per config the keys that differ; 1 if any runner key differs or a file is missing."""
    before, after = (set(os.listdir(d)) for d in (before_dir, after_dir))
    failed = False
    for name in sorted(before ^ after):
        print(f'MISSING in {"after" if name in before else "before"}: {name}')
        failed = True
    identical = 0
    for name in sorted(before & after):
        with open(osp.join(before_dir, name)) as f:
            old = json.load(f)
        with open(osp.join(after_dir, name)) as f:
            new = json.load(f)
        differing = sorted(
            k for k in old.keys() | new.keys() if old.get(k, ABSENT) != new.get(k, ABSENT)
        )
        runner = [k for k in differing if k in RUNNER_KEYS]
        helpers = [k for k in differing if k not in RUNNER_KEYS]
        if runner:
            failed = True
            print(f'RUNNER KEYS DIFFER {name}: {runner}')
            for key in runner:
                for path, was, now in _paths_differing(
                    old.get(key, ABSENT), new.get(key, ABSENT), key
                ):
                    print(f'    {path}: {was!r} -> {now!r}')
        elif not helpers:
            identical += 1
        if helpers:
            print(f'helper variables differ {name}: {helpers}')
    print(f'{identical} of {len(before & after)} configs identical in every key')
    print(
        'runner keys: '
        + (
            'DIFFERENCES (see above)'
            if failed
            else f'identical in all {len(before & after)} configs'
        )
    )
    return int(failed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p_dump = sub.add_parser('dump', help='snapshot every config under configs/')
    p_dump.add_argument('out_dir')
    p_dump.add_argument('--root', default='configs')
    p_cmp = sub.add_parser('compare', help='compare two snapshots')
    p_cmp.add_argument('before_dir')
    p_cmp.add_argument('after_dir')
    args = parser.parse_args()
    if args.command == 'dump':
        return dump(args.out_dir, args.root)
    return compare(args.before_dir, args.after_dir)


if __name__ == '__main__':
    sys.exit(main())
