"""Names the file behind a data fault (unreadable image or label map, out-of-range label)."""

from typing import Any

from mmengine.hooks import Hook

from mmkd.engine.data_checks import check_samples, label_range
from mmkd.registry import HOOKS


@HOOKS.register_module()
class DataCheckHook(Hook):
    """Names the file behind a data fault: an unreadable image or label map (any split), and a
    training label the model has no class for. tools/train.py and tools/test.py add it.

    The checks run in the dataset's pipeline (see :class:`SampleCheckPipeline`), so in the
    DataLoader workers, not in the training loop.
    """

    priority = 'VERY_HIGH'  # before hooks that read data in before_train (the teacher reference)
    keep_in_export = False  # run machinery of tools/train.py and test.py, not a model setting

    def __init__(self, check_labels: bool = True) -> None:
        self.check_labels = check_labels

    def before_train(self, runner) -> None:
        loop = runner.train_loop
        labels = label_range(runner.model) if self.check_labels else None
        if check_samples(loop.dataloader, labels):
            _restart_workers(loop)
        if runner.val_loop is not None:
            check_samples(runner.val_loop.dataloader)

    def before_val(self, runner) -> None:
        check_samples(runner.val_loop.dataloader)

    def before_test(self, runner) -> None:
        check_samples(runner.test_loop.dataloader)


def _restart_workers(loop: Any) -> None:
    """An iteration-based loop starts its data iterator, and so its worker processes (each with
    a copy of the dataset), when it is built; restart them so they use the wrapped pipeline.
    Nothing has been consumed yet, so the data order is unchanged."""
    dataloader = loop.dataloader
    iterator = getattr(loop, 'dataloader_iterator', None)
    if iterator is None or not getattr(dataloader, 'num_workers', 0):
        return
    dataloader._iterator = None  # persistent workers are kept there (torch's DataLoader)
    loop.dataloader_iterator = type(iterator)(dataloader)
