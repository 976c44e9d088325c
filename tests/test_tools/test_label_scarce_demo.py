"""The label-scarce segmentation demo of `make demo`: KD on annotated frames plus unannotated
ones (label maps all 255) read through a ConcatDataset of two CityscapesDatasets."""

import math
import os.path as osp

from mmengine.config import Config

from .test_tools import CFG, iter_options, logged_losses, train

UNANNOTATED = osp.join(CFG, 'kd/seg_kd_demo-20labelled-unannotated.py')


def _root_options(data_root: str) -> list:
    root = osp.join(data_root, 'cityscapes')
    return [f'train_dataloader.dataset.datasets.{i}.data_root={root}' for i in (0, 1)] + [
        f'{split}_dataloader.dataset.data_root={root}' for split in ('val', 'test')
    ]


def test_transfer_set_concatenates_annotated_and_unannotated_frames(data_root):
    from mmengine.registry import DATASETS, DefaultScope

    import mmkd  # noqa: F401

    cfg = Config.fromfile(UNANNOTATED)
    cfg.merge_from_dict(dict(o.split('=', 1) for o in _root_options(data_root)))
    with DefaultScope.overwrite_default_scope('mmseg'):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    # 8 annotated train frames here (indices=20 keeps them all) + 4 unannotated ones
    assert len(dataset) == 12
    assert all('train_extra' in d['seg_map_path'] for d in dataset.datasets[1].data_list)


def test_kd_with_unannotated_frames_trains(data_root, tmp_path):
    # batches of 6 drawn from 12 frames of which 4 are unannotated (label maps all 255)
    train(
        UNANNOTATED,
        str(tmp_path / 'work'),
        _root_options(data_root) + iter_options(3, batch=6) + ['model.teacher_ckpt=None'],
    )
    losses = logged_losses(str(tmp_path / 'work'))
    assert len(losses) == 3
    for values in losses.values():
        assert {'distill.loss_kd', 'student.decode.loss_ce'} <= set(values)
        assert all(math.isfinite(v) for v in values.values())
