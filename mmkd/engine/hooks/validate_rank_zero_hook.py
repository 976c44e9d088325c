"""Multi-process validation that scores exactly the checkpoint rank 0 saves."""

from mmengine.dist import broadcast, is_distributed
from mmengine.hooks import Hook

from mmkd.registry import HOOKS


@HOOKS.register_module()
class ValidateRankZeroModelHook(Hook):
    """Validate, on every rank, the model that rank 0 saves.

    DDP keeps the parameters of all ranks equal, but not their buffers: each rank's BatchNorm
    updates its running statistics from its own batches (MMEngine's wrapper does not broadcast
    buffers), so in a multi-process run every rank validates its share of the validation set
    with different statistics, and the logged score describes no single model, in particular
    not the checkpoint, which rank 0 writes. Before each validation this hook gives every rank
    rank 0's buffers, so the validated model is the saved one.

    The rule holds on any device and any number of processes (gloo on CPU, NCCL on GPUs).
    SyncBatchNorm (MMEngine's ``sync_bn='torch'``, or ``norm_cfg=dict(type='SyncBN')`` as in
    mmseg's configs) is a different choice, of training statistics over the global batch, and
    does not run on CPU tensors; with it the buffers are already equal and this hook changes
    nothing. Training is unchanged either way: BatchNorm normalises training batches with their
    own statistics, and rank 0's buffers, the only ones saved, are never modified.
    ``tools/train.py`` adds the hook to every multi-process run.
    """

    priority = 'VERY_HIGH'  # before any other hook looks at the model for validation
    keep_in_export = False  # run machinery of tools/train.py, not part of a model's config

    def before_val(self, runner) -> None:
        if not is_distributed():
            return
        for buffer in runner.model.buffers():
            broadcast(buffer, src=0)
