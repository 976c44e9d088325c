"""Data faults that only show once a sample is loaded, reported in one line naming the file.

Without this, an unreadable image ends in mmcv's bare assertion, an unreadable label map in
``'NoneType' object has no attribute 'squeeze'``, and a label value the model has no class for
(e.g. 42 in a 19-class set) in an index error deep inside torch's cross-entropy.
"""

import os.path as osp
from typing import Any, Iterator, Optional, Tuple

import torch
from mmengine.model import is_model_wrapper

from mmkd.utils.errors import ConfigError

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')
FILE_ROLES = {'img_path': 'image', 'seg_map_path': 'label map', 'depth_map_path': 'depth map'}


class DataError(ConfigError):
    """A data file mmkd cannot use; the message names the file and the fix.

    Raised in a DataLoader worker, torch re-raises it in the main process as
    ``DataError('Caught DataError in DataLoader worker process 0.\\nOriginal Traceback ...')``;
    only the original message is kept, so the error stays one line.
    """

    def __init__(self, message: str) -> None:
        if 'Original Traceback' in message:
            message = message.rstrip().rsplit(f'{type(self).__name__}: ', 1)[-1]
        super().__init__(message)


class SampleCheckPipeline:
    """A dataset's pipeline that names the unreadable file when loading a sample fails and, for
    training, checks the sample's labels against the model's classes.

    It runs where the samples are loaded (in the DataLoader workers, beside training): one
    ``try`` and, with a label range, one pass over the sample's labels; the files are only
    inspected after a failure.
    """

    def __init__(
        self, pipeline: Any, dataset_name: str, label_range: Optional[Tuple[int, int]] = None
    ) -> None:
        self.pipeline = pipeline
        self.dataset_name = dataset_name
        self.label_range = label_range

    def __call__(self, data: dict) -> Any:
        files = {k: v for k, v in data.items() if k.endswith('_path') and isinstance(v, str)}
        try:
            sample = self.pipeline(data)
        except Exception as err:
            for key, path in files.items():
                problem = unreadable(path)
                if problem is not None:
                    role = FILE_ROLES.get(key, key)
                    raise DataError(
                        f'{path}: {problem} ({role} of {self.dataset_name} sample '
                        f'{data.get("sample_idx", "?")}). Replace or regenerate the file, or '
                        'remove the sample from the dataset.'
                    ) from err
            raise
        if self.label_range is not None and isinstance(sample, dict):
            check_labels(sample.get('data_samples'), *self.label_range)
        return sample

    def __getattr__(self, name: str) -> Any:  # transforms, __repr__ ... of the wrapped pipeline
        if name == 'pipeline':  # not yet set (unpickling)
            raise AttributeError(name)
        return getattr(self.pipeline, name)


def unreadable(path: str) -> Optional[str]:
    """Why the image file ``path`` cannot be read, or None if it reads (or is no image)."""
    if not osp.exists(path):
        return 'file not found'
    if not path.lower().endswith(IMAGE_SUFFIXES):
        return None
    import mmcv
    from mmengine import fileio

    try:
        image = mmcv.imfrombytes(fileio.get(path), flag='unchanged')
    except Exception as err:  # whatever the decoder raises, the file is the cause
        return f'not a readable image ({err})'
    return 'not a readable image (corrupt or truncated)' if image is None else None


def _datasets(dataset: Any) -> Iterator[Any]:
    """``dataset`` and the datasets inside dataset wrappers."""
    yield dataset
    for attr in ('dataset', 'datasets', '_dataset'):
        inner = getattr(dataset, attr, None)
        for item in inner if isinstance(inner, (list, tuple)) else [inner]:
            if item is not None and item is not dataset:
                yield from _datasets(item)


def check_samples(dataloader: Any, label_range: Optional[Tuple[int, int]] = None) -> bool:
    """Wrap the pipelines of the dataloader's datasets; True if any was wrapped now."""
    wrapped = False
    for dataset in _datasets(getattr(dataloader, 'dataset', None)):
        pipeline = getattr(dataset, 'pipeline', None)
        if callable(pipeline) and not isinstance(pipeline, SampleCheckPipeline):
            dataset.pipeline = SampleCheckPipeline(pipeline, type(dataset).__name__, label_range)
            wrapped = True
    return wrapped


def label_range(model: Any) -> Optional[Tuple[int, int]]:
    """(num_classes, ignore_index) of the model's (a distiller's student's) head, if any."""
    model = model.module if is_model_wrapper(model) else model
    model = getattr(model, 'student', model)
    for head_name in ('decode_head', 'head'):
        head = getattr(model, head_name, None)
        num_classes = getattr(head, 'num_classes', None)
        if isinstance(num_classes, int):
            return num_classes, int(getattr(head, 'ignore_index', 255))
    return None


def _labels(sample: Any) -> Tuple[Optional[torch.Tensor], str]:
    """A data sample's class labels (segmentation map or class label) and where they came from."""
    gt = getattr(sample, 'gt_sem_seg', None)
    if gt is not None:
        return gt.data, str(sample.metainfo.get('seg_map_path', 'label map'))
    label = getattr(sample, 'gt_label', None)
    if isinstance(label, torch.Tensor):
        where = sample.metainfo.get('img_path') or f'sample {sample.metainfo.get("sample_idx")}'
        return label, str(where)
    return None, ''


def check_labels(sample: Any, num_classes: int, ignore_index: int) -> None:
    """Every label of the data sample is a class index below ``num_classes`` or
    ``ignore_index``."""
    labels, source = _labels(sample)
    if labels is None or labels.numel() == 0:
        return
    valid = torch.where(labels == ignore_index, 0, labels)
    if valid.max() < num_classes and valid.min() >= 0:
        return
    bad = labels[(valid >= num_classes) | (valid < 0)].unique()
    raise DataError(
        f"{source}: label value(s) {bad.tolist()[:5]} outside the model's {num_classes} "
        f'classes (0..{num_classes - 1}, {ignore_index} = ignore). Fix the labels, or make '
        "the model's num_classes (and the dataset's classes/ignore_index) match them."
    )
