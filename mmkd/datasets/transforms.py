"""Data transforms mmkd adds to the upstream ones."""

from typing import Tuple

from mmseg.datasets.transforms import RandomCrop

from mmkd.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RecordedRandomCrop(RandomCrop):
    """mmseg's ``RandomCrop`` that records its box as ``results['crop_bbox']`` (y1, y2, x1, x2,
    in the pixels of the image it cropped), so that the geometric teacher cache can map the
    teacher's output on the whole image onto the crop. Pack it with the sample:
    ``dict(type='PackSegInputs', meta_keys=(<the defaults>, 'crop_bbox'))``.
    """

    def crop_bbox(self, results: dict) -> Tuple[int, int, int, int]:
        bbox = tuple(int(v) for v in super().crop_bbox(results))
        results['crop_bbox'] = bbox  # the last box drawn is the one the crop uses
        return bbox
