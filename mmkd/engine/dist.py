"""Multi-process training on machines without a GPU.

MMEngine's ``pytorch`` launcher calls ``torch.cuda.set_device`` and its DDP wrapper passes
``device_ids=[LOCAL_RANK]``; both fail on a CPU-only machine. ``tools/train.py`` calls
:func:`setup_cpu_distributed` before building the runner: it opens a gloo process group (MMEngine
then skips its own initialisation) and selects :class:`CPUAwareDistributedDataParallel`. On GPU
machines nothing changes: NCCL and MMEngine's own path are used.
"""

import os
from typing import Optional

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.model import MMDistributedDataParallel
from torch import nn

from mmkd.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class CPUAwareDistributedDataParallel(MMDistributedDataParallel):
    """MMEngine's DDP wrapper, minus ``device_ids`` when the module lives on the CPU."""

    def __init__(self, module: nn.Module, device_ids: Optional[list] = None, **kwargs) -> None:
        on_cpu = next(module.parameters()).device.type == 'cpu'
        super().__init__(module=module, device_ids=None if on_cpu else device_ids, **kwargs)


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Prepare ``cfg`` for gloo multi-process training when no GPU is present.

    Returns True when it did so. Only the ``pytorch`` launcher (torchrun) is handled here; SLURM
    clusters have GPUs and go through MMEngine unchanged.
    """
    if launcher != 'pytorch' or torch.cuda.is_available():
        return False
    if not dist.is_initialized():
        dist.init_process_group(
            backend='gloo', rank=int(os.environ['RANK']), world_size=int(os.environ['WORLD_SIZE'])
        )
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or {}
    if wrapper.get('type', 'MMDistributedDataParallel') == 'MMDistributedDataParallel':
        wrapper['type'] = 'mmkd.CPUAwareDistributedDataParallel'
        # what MMEngine passes to its default wrapper when model_wrapper_cfg is unset
        wrapper.setdefault('broadcast_buffers', False)
        wrapper.setdefault('find_unused_parameters', cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
    return True
