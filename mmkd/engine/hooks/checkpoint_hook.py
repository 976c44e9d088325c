"""The checkpoint hook tools/train.py gives every run: save first, then point at it, then prune."""

import os.path as osp
from typing import List

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook as MMEngineCheckpointHook

from mmkd.engine.fileio import atomic_file
from mmkd.registry import HOOKS


@HOOKS.register_module()
class CheckpointHook(MMEngineCheckpointHook):
    """MMEngine's checkpoint hook, in the order that never loses work.

    MMEngine deletes the checkpoints beyond ``max_keep_ckpts`` *before* it saves the new one,
    and rewrites ``last_checkpoint`` with a plain ``open``: with ``max_keep_ckpts=1`` a save that
    fails (disk full, a killed job) leaves no checkpoint at all, and a crash while the pointer is
    written leaves it empty, so ``--resume`` would start from scratch. This hook saves first
    (atomically, see :mod:`mmkd.engine.fileio`), then points ``last_checkpoint`` at the new file
    (atomically), and only then deletes the outdated ones. tools/train.py puts it in place of
    MMEngine's; every argument is MMEngine's.
    """

    upstream_type = 'CheckpointHook'  # what an exported config names instead

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        outdated = self._keep_step(runner, step)
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args,
        )
        if not is_main_process():
            return
        with atomic_file(osp.join(runner.work_dir, 'last_checkpoint'), 'w') as f:
            f.write(self.last_ckpt)
        for old in outdated:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # DeepSpeed writes checkpoints as folders
                self.file_backend.rmtree(path)

    def _keep_step(self, runner, step: int) -> List[int]:
        """Record ``step`` among the kept checkpoints (before the save: the checkpoint holds the
        list) and return the steps that fall out of it, to delete once the save succeeded."""
        if self.max_keep_ckpts <= 0 or (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            return []  # unlimited, or the best-checkpoint save of a step already saved
        outdated = [self.keep_ckpt_ids[0]] if len(self.keep_ckpt_ids) == self.max_keep_ckpts else []
        self.keep_ckpt_ids.append(step)  # a deque of maxlen max_keep_ckpts: drops the oldest
        runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        return outdated
