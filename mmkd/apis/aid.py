"""AID's two stages from one command: a distillation config that names its adaptation stage
(``aid_adaptation = dict(config=..., work_dir=...)``) gets its adapted teacher trained first by
``tools/train.py`` (and so by ``tools/dist_train.sh``), unless that teacher already exists."""

import json
import os.path as osp
from dataclasses import dataclass
from typing import Optional

from mmengine.config import Config

from mmkd.utils.errors import ConfigError, did_you_mean

KNOWN_KEYS = ('config', 'work_dir', 'cfg_options')


@dataclass
class AdaptationStage:
    cfg: Config  # the adaptation config, work_dir and launcher set
    adapted_teacher: str  # the file the stage writes and the distillation reads

    def done(self) -> bool:
        """The adapted teacher exists and its adaptation run (if mmkd's) has finished: the
        file is also written at the start and during the run, so it alone proves nothing."""
        if not osp.isfile(self.adapted_teacher):
            return False
        summary = osp.join(osp.dirname(self.adapted_teacher), 'aid_adaptation.json')
        if not osp.isfile(summary):
            return True  # a teacher file put there by hand
        with open(summary) as f:
            return bool(json.load(f).get('finished'))


def adaptation_stage(cfg: Config, config_path: Optional[str] = None) -> Optional[AdaptationStage]:
    """The adaptation stage a distillation config asks for, or None; checks that the config's
    ``model.teacher_ckpt`` is the adapted teacher that stage writes."""
    spec = cfg.get('aid_adaptation')
    if not spec:
        return None
    unknown = set(spec) - set(KNOWN_KEYS)
    if unknown or 'config' not in spec:
        hints = ''.join(did_you_mean(k, KNOWN_KEYS) for k in sorted(unknown))
        raise ConfigError(
            f'aid_adaptation: needs config= and knows {KNOWN_KEYS}; got {sorted(spec)}.{hints}'
        )
    path = spec['config']
    if not osp.isfile(path) and config_path is not None:
        path = osp.join(osp.dirname(config_path), spec['config'])
    if not osp.isfile(path):
        raise ConfigError(
            f'aid_adaptation.config: {spec["config"]!r} not found (relative paths '
            'are read from the current directory, then beside the config).'
        )
    adapt_cfg = Config.fromfile(path)
    if spec.get('cfg_options'):
        adapt_cfg.merge_from_dict(dict(spec['cfg_options']))
    adapt_cfg.launcher = cfg.get('launcher', 'none')
    name = osp.splitext(osp.basename(path))[0]
    if adapt_cfg.get('visualizer') is not None:
        # upstream runtimes name their visualizer 'visualizer', a process-wide instance: a
        # second name keeps stage 2's logged scalars out of stage 1's work dir
        adapt_cfg.visualizer.name = 'aid_adaptation_visualizer'
    adapt_cfg.work_dir = spec.get('work_dir') or osp.join('./work_dirs', name)
    hooks = [
        h
        for h in adapt_cfg.get('custom_hooks', [])
        if str(h.get('type', '')).endswith('AIDEarlyStopHook')
    ]
    if len(hooks) != 1:
        raise ConfigError(
            f'{path}: an AID adaptation config needs exactly one '
            "dict(type='mmkd.AIDEarlyStopHook', ...) in custom_hooks (it writes "
            f'the adapted teacher); found {len(hooks)}.'
        )
    adapted = osp.join(adapt_cfg.work_dir, hooks[0].get('filename', 'adapted_teacher.pth'))
    teacher_ckpt = cfg.model.get('teacher_ckpt')
    if teacher_ckpt is None or osp.normpath(teacher_ckpt) != osp.normpath(adapted):
        raise ConfigError(
            f'model.teacher_ckpt is {teacher_ckpt!r}, but the adaptation stage '
            f'writes {adapted!r}: set model.teacher_ckpt={adapted!r} (or change '
            'aid_adaptation.work_dir).'
        )
    return AdaptationStage(adapt_cfg, adapted)
