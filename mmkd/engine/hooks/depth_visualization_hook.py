"""tools/test.py --show-dir for depth: input | ground truth | prediction with a colour bar."""

import os
import os.path as osp

import numpy as np
from mmengine.hooks import Hook

from mmkd.registry import HOOKS


@HOOKS.register_module()
class DepthVisualizationHook(Hook):
    """One PNG per test image: the input, the ground truth and the prediction on one colour
    scale with a colour bar in metres, titled with the image's RMSE."""

    keep_in_export = False  # test-time output option, not part of a model's config

    def __init__(self, out_dir: str, cmap: str = 'magma_r') -> None:
        self.out_dir = out_dir
        self.cmap = cmap

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        import matplotlib

        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        import mmcv

        os.makedirs(self.out_dir, exist_ok=True)
        for sample in outputs or []:
            pred = sample.pred_depth_map.data[0].cpu().numpy()
            gt = sample.gt_depth_map.data[0].cpu().numpy() if 'gt_depth_map' in sample else None
            path = sample.metainfo.get('img_path')
            image = mmcv.imread(path, channel_order='rgb') if path else None
            valid = gt > 0 if gt is not None else np.ones_like(pred, bool)
            top = float(max(pred.max(), gt.max() if gt is not None else 0))
            tiles = [('input', image)] if image is not None else []
            if gt is not None:
                tiles.append(('ground truth', np.where(valid, gt, np.nan)))
            title = 'prediction'
            if gt is not None and valid.any():
                title += f' (RMSE {np.sqrt(np.mean((pred[valid] - gt[valid]) ** 2)):.3f} m)'
            tiles.append((title, pred))
            fig, axes = plt.subplots(1, len(tiles), figsize=(4 * len(tiles), 3.4), squeeze=False)
            shown = None
            for ax, (name, tile) in zip(axes[0], tiles):
                if tile.ndim == 3:
                    ax.imshow(tile)
                else:
                    shown = ax.imshow(tile, cmap=self.cmap, vmin=0, vmax=top)
                ax.set_title(name, fontsize=10)
                ax.axis('off')
            fig.colorbar(shown, ax=list(axes[0]), shrink=0.8, label='depth (m)')
            name = osp.splitext(osp.basename(path))[0] if path else f'{batch_idx}'
            fig.savefig(osp.join(self.out_dir, f'{name}.png'), dpi=80, bbox_inches='tight')
            plt.close(fig)
