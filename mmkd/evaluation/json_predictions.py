"""Raw classification predictions as JSON: ``tools/test.py --out`` for classifiers."""

import json
import os
import os.path as osp
from typing import List, Sequence

from mmengine.evaluator import BaseMetric

from mmkd.engine.fileio import atomic_file
from mmkd.registry import METRICS


@METRICS.register_module()
class JSONPredictions(BaseMetric):
    """Each test image's class, score and ground truth, as JSON (``--out`` for classifiers)."""

    def __init__(self, out_file: str, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device, prefix='json_predictions')
        self.out_file = out_file

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            self.results.append(
                dict(
                    sample_idx=int(sample['sample_idx']) if 'sample_idx' in sample else None,
                    gt_label=[int(v) for v in sample['gt_label']] if 'gt_label' in sample else None,
                    pred_label=[int(v) for v in sample['pred_label']],
                    pred_score=[round(float(v), 6) for v in sample['pred_score']],
                )
            )

    def compute_metrics(self, results: List[dict]) -> dict:
        os.makedirs(osp.dirname(self.out_file) or '.', exist_ok=True)
        with atomic_file(self.out_file, 'w', encoding='utf-8') as f:
            json.dump(results, f)
        return {}
