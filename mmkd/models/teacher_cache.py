"""Teacher-output cache: the frozen teacher's tap tensors, computed once, read by every run.

A benchmark trains many students (and methods) against one frozen teacher; its forward is half
of every step. With ``teacher_cache=dict(dir=..., mode=...)`` on a distiller, a batch the cache
holds fills the teacher taps from disk and the teacher does not run; any other batch runs the
teacher live (and, in exact mode, writes its entries when the cache is writable).

Modes:

* ``exact``: an entry is keyed by a digest of the sample's preprocessed input tensor (its bytes,
  shape and dtype), so it stands for the sample *and* its exact augmentation (flip, crop, scale,
  photometric changes) without trusting any metainfo. A hit is all-or-nothing per batch: the
  entries were written from the very batches the live teacher saw, so a run with the same seed
  gets bit-for-bit the live tensors (``dtype='float32'``, the default in this mode).
* ``geometric``: an entry is the teacher's output on the *un-augmented* image, keyed by the
  sample's identity (``img_path``, else ``sample_idx``), mapped to the augmented view through the
  recorded resize (``scale_factor``), crop (``crop_bbox``, from :class:`RecordedRandomCrop`) and
  flip. An approximation (see docs/teacher_cache.md): dense outputs are treated as equivariant
  to these transforms; (N, C) outputs (class logits) are taken as invariant to them; photometric
  changes are ignored. Filled by ``tools/cache_teacher.py --mode geometric``.

Storage (a directory): ``header.json`` (the fingerprint and the storage layout), ``keys.txt``
(one key per row) and per tap one raw little-endian array file per stored part (``values``, and
``indices`` with ``topk``), appended row by row and read through ``numpy.memmap``. Nothing is
pickled: reading a cache never executes code.

The fingerprint (teacher weights digest, tap paths, training pipeline, input size, mode and
storage) is checked on every open; a cache written for something else is refused with one line
naming the field and the fix.

``release_teacher=True``: when the cache holds every batch of the run, the distiller frees its
teachers' weights after the fingerprint has digested them (the run's memory is then about the
student's); the cache is read-only and a miss is refused with one line (fill the cache with
``tools/cache_teacher.py``, or drop the option) instead of running the teacher.
"""

import fcntl
import hashlib
import json
import logging
import os
import os.path as osp
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub, print_log
from torch import Tensor, nn

from mmkd.utils.errors import ConfigError

MODES = ('exact', 'geometric')
DTYPES = {'float32': np.float32, 'float16': np.float16}
DEFAULT_DTYPE = {'exact': 'float32', 'geometric': 'float16'}
FORMAT = 'mmkd-teacher-cache'
VERSION = 1
HEADER = 'header.json'
KEYS = 'keys.txt'


class TeacherCacheMismatch(ConfigError):
    """The cache on disk was written for another teacher, taps, pipeline, input size or storage."""


class TeacherCacheMiss(ConfigError):
    """A batch the cache does not hold, while the teacher that could compute it was released."""


def weights_digest(model: nn.Module) -> str:
    """SHA-256 of a model's state dict (names, dtypes, shapes and bytes): the teacher's identity,
    whichever file (or none) its weights came from."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(f'{name}:{tensor.dtype}:{tuple(tensor.shape)};'.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def input_digest(sample: Tensor) -> str:
    """The exact-mode key of one preprocessed sample: identical digest <=> identical input."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f'{sample.dtype}:{tuple(sample.shape)};'.encode())
    digest.update(sample.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def sample_identity(data_sample: Any) -> str:
    """The geometric-mode key: the sample's image path, else its dataset index."""
    meta = data_sample.metainfo
    if meta.get('img_path'):
        return f'path:{meta["img_path"]}'
    if meta.get('sample_idx') is not None:
        return f'idx:{int(meta["sample_idx"])}'
    raise ConfigError(
        "teacher_cache mode='geometric' keys entries by the sample's img_path or sample_idx, "
        'but this data sample has neither: pack one of them (meta_keys of the Pack transform).'
    )


def run_pipeline() -> Optional[List[Any]]:
    """The training pipeline of the current MMEngine run (its config text is in the message hub
    from ``before_run``); ``None`` outside a Runner."""
    text = MessageHub.get_current_instance().get_info('cfg')
    if not text:
        return None
    from mmengine.config import Config

    cfg = Config.fromstring(text, '.py')
    dataset = cfg.get('train_dataloader', {}).get('dataset', {})
    while 'pipeline' not in dataset and 'dataset' in dataset:  # wrappers (RepeatDataset, ...)
        dataset = dataset['dataset']
    pipeline = dataset.get('pipeline')
    return None if pipeline is None else _jsonable(pipeline)


def check_recorded_crops(pipeline: Optional[List[Any]], layout: Mapping[str, Any]) -> None:
    """Geometric mode maps dense taps through the crop box, so every crop of the pipeline must
    record it (a pad-and-crop to the same size would otherwise shift the map unnoticed)."""
    dense = [part for part, spec in layout.items() if len(spec['shape']) >= 3]
    crops = [
        str(t.get('type'))
        for t in pipeline or []
        if 'Crop' in str(t.get('type')) and not str(t.get('type')).endswith('RecordedRandomCrop')
    ]
    if dense and crops:
        raise ConfigError(
            f"teacher_cache mode='geometric': the pipeline's {crops} do not record their crop "
            f'box, which the dense taps {dense} are mapped through. Use '
            "type='mmkd.RecordedRandomCrop' (and 'crop_bbox' in the Pack transform's meta_keys), "
            "or mode='exact'."
        )


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, default=str))


class TeacherCache:
    """The cache of one distiller's teacher taps (every teacher, every teacher tap).

    Args:
        dir: the cache directory (created when writable).
        mode: ``'exact'`` or ``'geometric'`` (see the module docstring).
        teachers: teacher name -> its weights digest (:func:`weights_digest`).
        taps: teacher name -> {tap name: module path}, the taps the distiller reads.
        dtype: ``'float32'`` (exact mode's default: bit-for-bit) or ``'float16'`` (geometric
            mode's default: half the bytes, values rounded to fp16).
        topk: store only the K largest channels of each position of the taps named in
            ``topk_taps`` (values + uint8/int16 indices) and zeros elsewhere: exactly what
            ``TopKMask(dim='channel')`` keeping K leaves of the teacher tensor (SFKD).
        topk_taps: the taps ``topk`` applies to (default: every tap with >= 2 dims).
        writable: write missed batches (exact mode) and create the directory.
        pipeline: the training pipeline to fingerprint; default: the current run's (from the
            MMEngine message hub), unchecked outside a Runner.
        release_teacher: the distiller frees its teachers' weights after this cache has
            fingerprinted them (every output must then come from the cache): read-only, and a
            miss is refused (:class:`TeacherCacheMiss`) instead of running the teacher live.
    """

    def __init__(
        self,
        dir: str,
        mode: str,
        teachers: Mapping[str, str],
        taps: Mapping[str, Mapping[str, str]],
        dtype: Optional[str] = None,
        topk: Optional[int] = None,
        topk_taps: Optional[Sequence[str]] = None,
        writable: bool = True,
        pipeline: Optional[List[Any]] = None,
        release_teacher: bool = False,
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f'teacher_cache.mode must be one of {MODES}, got {mode!r}.')
        dtype = dtype or DEFAULT_DTYPE[mode]
        if dtype not in DTYPES:
            raise ConfigError(
                f'teacher_cache.dtype must be one of {sorted(DTYPES)}, got {dtype!r}.'
            )
        if topk is not None and (not isinstance(topk, int) or topk < 1):
            raise ConfigError(f'teacher_cache.topk must be a positive int or None, got {topk!r}.')
        if release_teacher and writable:
            raise ConfigError(
                'teacher_cache: release_teacher=True frees the teacher, which a writable cache '
                'needs for its misses: set writable=False (or leave it out), or drop '
                'release_teacher.'
            )
        self.dir, self.mode, self.writable = dir, mode, writable
        self.release_teacher = bool(release_teacher)
        self.fingerprint: Dict[str, Any] = dict(
            mode=mode,
            teachers=dict(teachers),
            taps={name: dict(paths) for name, paths in taps.items()},
            storage=dict(
                dtype=dtype, topk=topk, topk_taps=sorted(topk_taps) if topk_taps else None
            ),
            pipeline=pipeline,
            input_size=None,
        )
        self._pipeline_checked = pipeline is not None
        self._crops_checked = False
        self.layout: Dict[str, Dict[str, Any]] = {}  # '<teacher>/<tap>' -> shape, dtype, kind
        self.rows: Dict[str, int] = {}  # key -> row
        self._keys_read = 0  # bytes of keys.txt already read
        self._maps: Dict[str, np.memmap] = {}
        self.hits = self.misses = 0
        self._last_keys: Optional[Tuple[Tensor, List[str]]] = None
        if osp.exists(osp.join(dir, HEADER)):
            self._open_existing()
        elif not writable:
            raise ConfigError(
                f'teacher cache {dir!r} does not exist (no {HEADER}). Fill it with '
                '`python tools/cache_teacher.py CONFIG --out DIR`, or '
                + ('drop release_teacher.' if release_teacher else 'set writable=True.')
            )

    # ------------------------------------------------------------------------ fingerprint
    def _open_existing(self) -> None:
        with open(osp.join(self.dir, HEADER)) as f:
            header = json.load(f)
        if header.get('format') != FORMAT or header.get('version') != VERSION:
            raise TeacherCacheMismatch(
                f'{self.dir}/{HEADER} is not an mmkd teacher cache of version {VERSION}; '
                'fill a new one with `python tools/cache_teacher.py CONFIG --out NEW_DIR`.'
            )
        stored = header['fingerprint']
        for field in ('mode', 'teachers', 'taps', 'storage'):
            self._check(field, stored.get(field), self.fingerprint[field])
        if self.fingerprint['pipeline'] is not None:
            self._check('pipeline', stored.get('pipeline'), self.fingerprint['pipeline'])
        self.fingerprint['pipeline'] = stored.get('pipeline')
        self.fingerprint['input_size'] = stored.get('input_size')
        self.layout = header['layout']
        self._refresh_keys()

    def _check(self, field: str, stored: Any, current: Any) -> None:
        if stored is None or current is None or stored == current:
            return
        what = {
            'teachers': 'teacher weights (checkpoint digest)',
            'taps': 'teacher tap paths',
            'pipeline': 'training pipeline',
            'input_size': 'input size (C, H, W)',
            'mode': 'mode',
            'storage': 'storage (dtype/topk)',
        }[field]
        if field == 'teachers':  # a digest prefix is enough to tell them apart
            stored, current = ({k: v[:12] for k, v in d.items()} for d in (stored, current))
        raise TeacherCacheMismatch(
            f'teacher cache {self.dir} was written for another {what}: it has {stored}, this run '
            f'{current}. Fill a cache for this run with `python tools/cache_teacher.py CONFIG '
            '--out NEW_DIR` (or delete the directory) and point teacher_cache.dir at it.'
        )

    def _check_run(self, inputs: Tensor) -> None:
        """The fingerprint parts known only at the first batch: (exact mode) the input size and
        (inside a Runner) the training pipeline."""
        if not self._pipeline_checked:
            self._pipeline_checked = True
            current = run_pipeline()
            self._check('pipeline', self.fingerprint['pipeline'], current)
            if self.fingerprint['pipeline'] is None:
                self.fingerprint['pipeline'] = current
        if self.mode == 'geometric' and not self._crops_checked and self.layout:
            self._crops_checked = True
            check_recorded_crops(self.fingerprint['pipeline'], self.layout)
        if self.mode == 'exact':
            size = list(inputs.shape[1:])
            self._check('input_size', self.fingerprint['input_size'], size)
            self.fingerprint['input_size'] = size

    # ------------------------------------------------------------------- the distiller side
    def fill(
        self,
        teacher_taps: Mapping[str, Any],
        inputs: Tensor,
        data_samples: Optional[List[Any]] = None,
    ) -> bool:
        """Fill every teacher's taps from the cache when it holds the whole batch (True);
        False on a miss, when the teacher must run (then :meth:`store` its taps)."""
        self._last_keys = None
        self._check_run(inputs)
        keys = self.keys_for(inputs, data_samples)
        records = self.lookup(keys, inputs, data_samples)
        if records is None:
            self._last_keys = (inputs, keys)
            return False
        for name, taps in teacher_taps.items():
            taps.load(records[name])
        return True

    def store(self, teacher_taps: Mapping[str, Any], inputs: Tensor) -> int:
        """Write the live teacher taps of the batch :meth:`fill` just missed (exact mode only:
        a geometric entry is the un-augmented view, written by tools/cache_teacher.py)."""
        if self.mode != 'exact' or not self.writable:
            return 0
        last, self._last_keys = self._last_keys, None
        keys = last[1] if last is not None and last[0] is inputs else self.keys_for(inputs, None)
        records = {
            name: {tap: taps[tap] for tap in self.fingerprint['taps'][name]}
            for name, taps in teacher_taps.items()
        }
        return self.write(keys, records)

    # ---------------------------------------------------------------------------- reading
    def _refresh_keys(self) -> None:
        """Read the keys other writers appended since the last read."""
        path = osp.join(self.dir, KEYS)
        if not osp.exists(path):
            return
        with open(path, 'rb') as f:
            f.seek(self._keys_read)
            tail = f.read()
        complete = tail[: tail.rfind(b'\n') + 1]  # a line being written is not complete yet
        self._keys_read += len(complete)
        for line in complete.decode().splitlines():
            self.rows.setdefault(line, len(self.rows))

    def _array(self, part: str) -> np.memmap:
        """The memory map of one stored part (re-mapped when rows were added)."""
        spec = self.layout[part]
        rows = len(self.rows)
        mapped = self._maps.get(part)
        if mapped is None or mapped.shape[0] < rows:
            mapped = np.memmap(
                osp.join(self.dir, spec['file']),
                dtype=np.dtype(spec['dtype']).newbyteorder('<'),
                mode='r',
                shape=(rows, *spec['shape']),
            )
            self._maps[part] = mapped
        return mapped

    def keys_for(self, inputs: Tensor, data_samples: Optional[List[Any]]) -> List[str]:
        if self.mode == 'exact':
            return [input_digest(x) for x in inputs]
        if data_samples is None:
            raise ConfigError("teacher_cache mode='geometric' needs the batch's data samples.")
        return [sample_identity(s) for s in data_samples]

    def lookup(
        self, keys: Sequence[str], inputs: Tensor, data_samples: Optional[List[Any]] = None
    ) -> Optional[Dict[str, Dict[str, Tensor]]]:
        """teacher name -> tap name -> the batch's tensor, when every sample is cached; else
        None (the teacher then runs live on the whole batch, so its bits do not depend on which
        samples were cached)."""
        if any(k not in self.rows for k in keys):
            self._refresh_keys()
        if not self.layout or any(k not in self.rows for k in keys):
            self.misses += 1
            if self.release_teacher:
                raise TeacherCacheMiss(
                    f'teacher cache {self.dir} does not hold this batch and the teacher was '
                    'released (teacher_cache.release_teacher=True), so it cannot run live: fill '
                    'the cache for this config and seed with `python tools/cache_teacher.py '
                    f'CONFIG --out {self.dir}`, or drop release_teacher.'
                )
            if not self.writable and self.misses == 1:
                print_log(
                    f'teacher cache {self.dir}: a batch it does not hold; the teacher runs live '
                    'for such batches (tools/cache_teacher.py fills the cache for a config).',
                    level=logging.WARNING,
                )
            return None
        self.hits += 1
        rows = np.array([self.rows[k] for k in keys])
        records: Dict[str, Dict[str, Tensor]] = {}
        for teacher, taps in self.fingerprint['taps'].items():
            records[teacher] = {}
            for tap in taps:
                tensor = self._read(f'{teacher}/{tap}', rows).to(inputs.device)
                if self.mode == 'geometric':
                    stride = self.layout[f'{teacher}/{tap}'].get('stride')
                    tensor = map_to_views(tensor, data_samples, inputs.shape[-2:], stride)
                records[teacher][tap] = tensor
        return records

    def _read(self, part: str, rows: np.ndarray) -> Tensor:
        spec = self.layout[part]
        values = torch.from_numpy(np.ascontiguousarray(self._array(part)[rows]))
        values = values.to(getattr(torch, spec['live_dtype']))
        if spec['kind'] == 'dense':
            return values
        indices = torch.from_numpy(self._array(f'{part}#indices')[rows].astype(np.int64))
        dense = values.new_zeros((len(rows), *spec['dense_shape']))
        return dense.scatter_(1, indices, values)

    # ---------------------------------------------------------------------------- writing
    def write(self, keys: Sequence[str], records: Mapping[str, Mapping[str, Tensor]]) -> int:
        """Append the entries whose keys are new (``records``: teacher -> tap -> batch tensor);
        the number written. Safe with several runs writing the same directory (file lock)."""
        if not self.writable:
            return 0
        os.makedirs(self.dir, exist_ok=True)
        with open(osp.join(self.dir, '.lock'), 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.layout and osp.exists(osp.join(self.dir, HEADER)):
                self._open_existing()  # another run created it meanwhile
            self._refresh_keys()
            new = [i for i, k in enumerate(keys) if k not in self.rows and k not in keys[:i]]
            if not new:
                return 0
            if not self.layout:
                self._create(records)
            self._drop_unkeyed_rows()
            index = torch.as_tensor(new)
            for teacher, taps in self.fingerprint['taps'].items():
                for tap in taps:
                    self._append(f'{teacher}/{tap}', records[teacher][tap].detach()[index])
            with open(osp.join(self.dir, KEYS), 'ab') as f:
                f.write(''.join(f'{keys[i]}\n' for i in new).encode())
            self._refresh_keys()
        return len(new)

    def _drop_unkeyed_rows(self) -> None:
        """Cut rows a crashed writer appended without their key, so rows stay aligned."""
        for spec in self.layout.values():
            path = osp.join(self.dir, spec['file'])
            size = len(self.rows) * int(np.prod(spec['shape'])) * np.dtype(spec['dtype']).itemsize
            if osp.exists(path) and osp.getsize(path) > size:
                os.truncate(path, size)

    def _create(self, records: Mapping[str, Mapping[str, Tensor]]) -> None:
        storage = self.fingerprint['storage']
        for teacher, taps in self.fingerprint['taps'].items():
            for tap in taps:
                tensor = records[teacher][tap]
                if not isinstance(tensor, Tensor):
                    raise ConfigError(
                        f'teacher_cache: {teacher} tap {tap!r} gives a {type(tensor).__name__}, '
                        'not a tensor; only tensor taps can be cached (index it, e.g. '
                        "'backbone[2]')."
                    )
                part = f'{teacher}/{tap}'
                shape = list(tensor.shape[1:])
                use_topk = (
                    storage['topk'] is not None
                    and tensor.dim() >= 2
                    and (storage['topk_taps'] is None or tap in storage['topk_taps'])
                )
                base = dict(live_dtype=str(tensor.dtype).replace('torch.', ''))
                size = self.fingerprint['input_size']
                if tensor.dim() == 4 and size is not None:  # the stride maps geometric views
                    base['stride'] = [size[-2] / tensor.shape[-2], size[-1] / tensor.shape[-1]]
                if use_topk:
                    k = min(storage['topk'], shape[0])
                    index_dtype = 'uint8' if shape[0] <= 256 else 'int16'
                    self.layout[part] = dict(
                        base, kind='topk', file=f'{teacher}.{tap}.values.bin',
                        dtype=storage['dtype'], shape=[k, *shape[1:]], dense_shape=shape,
                    )  # fmt: skip
                    self.layout[f'{part}#indices'] = dict(
                        base, kind='indices', file=f'{teacher}.{tap}.indices.bin',
                        dtype=index_dtype, shape=[k, *shape[1:]],
                    )  # fmt: skip
                else:
                    self.layout[part] = dict(
                        base, kind='dense', file=f'{teacher}.{tap}.values.bin',
                        dtype=storage['dtype'], shape=shape,
                    )  # fmt: skip
        header = dict(format=FORMAT, version=VERSION, fingerprint=self.fingerprint)
        header['layout'] = self.layout
        tmp = osp.join(self.dir, HEADER + '.tmp')
        with open(tmp, 'w') as f:
            json.dump(header, f, indent=1, sort_keys=True)
        os.replace(tmp, osp.join(self.dir, HEADER))

    def _append(self, part: str, batch: Tensor) -> None:
        spec = self.layout[part]
        if list(batch.shape[1:]) != spec.get('dense_shape', spec['shape']):
            raise TeacherCacheMismatch(
                f'teacher cache {self.dir}: tap {part} gives {list(batch.shape[1:])} per sample, '
                f'the cache holds {spec.get("dense_shape", spec["shape"])}; the input size '
                'changed: fill a cache per input size (--out NEW_DIR).'
            )
        if spec['kind'] == 'topk':
            k = spec['shape'][0]
            values, indices = batch.float().topk(k, dim=1, sorted=False)
            self._append_raw(f'{part}#indices', indices.cpu().numpy())
            batch = values
        self._append_raw(part, batch.cpu().float().numpy())

    def _append_raw(self, part: str, array: np.ndarray) -> None:
        spec = self.layout[part]
        stored = array.astype(np.dtype(spec['dtype']).newbyteorder('<'))
        with open(osp.join(self.dir, spec['file']), 'ab') as f:
            f.write(stored.tobytes())

    # -------------------------------------------------------------------------- reporting
    def bytes_per_entry(self) -> Dict[str, int]:
        """Stored bytes of one entry per part ('<teacher>/<tap>' and its '#indices')."""
        return {
            part: int(np.prod(spec['shape'])) * np.dtype(spec['dtype']).itemsize
            for part, spec in self.layout.items()
        }

    def __len__(self) -> int:
        self._refresh_keys()
        return len(self.rows)


def build_teacher_cache(
    cfg: Mapping[str, Any],
    teachers: Mapping[str, nn.Module],
    taps: Mapping[str, Mapping[str, str]],
) -> TeacherCache:
    """The cache a distiller's ``teacher_cache=dict(dir=..., mode=..., ...)`` asks for."""
    cfg = dict(cfg)
    known = ('dir', 'mode', 'dtype', 'topk', 'topk_taps', 'writable', 'pipeline', 'release_teacher')
    unknown = sorted(set(cfg) - set(known))
    if unknown or 'dir' not in cfg:
        raise ConfigError(
            f'teacher_cache: give dict(dir=..., mode=...) with keys among {list(known)}; '
            f'got {sorted(cfg)}.'
        )
    cfg.setdefault('mode', 'exact')
    if cfg.get('release_teacher'):
        cfg.setdefault('writable', False)  # the released teacher cannot fill misses
    digests = {name: weights_digest(model) for name, model in teachers.items()}
    return TeacherCache(teachers=digests, taps=taps, **cfg)


# ------------------------------------------------------------------------ geometric mapping
def map_to_views(
    cached: Tensor,
    data_samples: Sequence[Any],
    view_size: Sequence[int],
    stride: Optional[Sequence[float]] = None,
) -> Tensor:
    """Map each sample's un-augmented output to its augmented view (resize, crop, flip).

    ``cached``: (N, C) outputs are returned as they are (class logits: taken as invariant to the
    view); (N, C, h, w) maps cover the whole un-augmented image and are resampled (bilinear, at
    the view's output cells) for the view ``view_size`` (the padded batch input's H, W), whose
    output has the teacher's ``stride`` (input pixels per output cell; default: the stored map's
    size relative to ``ori_shape``, i.e. the un-augmented input was the original image).
    """
    if cached.dim() < 4:
        return cached
    out = []
    for sample_map, sample in zip(cached, data_samples):
        out.append(_map_one(sample_map, sample.metainfo, view_size, stride))
    return torch.stack(out)


def _map_one(
    sample_map: Tensor,
    meta: Mapping[str, Any],
    view_size: Sequence[int],
    stride: Optional[Sequence[float]] = None,
) -> Tensor:
    ori_h, ori_w = meta['ori_shape'][:2]
    h0, w0 = sample_map.shape[-2:]
    stride_h, stride_w = stride or (ori_h / h0, ori_w / w0)
    view_h, view_w = view_size
    out_h, out_w = round(view_h / stride_h), round(view_w / stride_w)
    scale = meta.get('scale_factor') or (1.0, 1.0)  # mmcv: (w_scale, h_scale)
    scale_w, scale_h = float(scale[0]), float(scale[1])
    img_h, img_w = meta['img_shape'][:2]  # the view before padding
    if 'crop_bbox' in meta:
        y1, _, x1, _ = (int(v) for v in meta['crop_bbox'])  # mmseg order: y1, y2, x1, x2
    elif (round(ori_h * scale_h), round(ori_w * scale_w)) != (img_h, img_w):
        raise ConfigError(
            f"teacher_cache mode='geometric': the view {img_h}x{img_w} is not the whole resized "
            f'image {round(ori_h * scale_h)}x{round(ori_w * scale_w)} and no crop_bbox was '
            "recorded: use type='mmkd.RecordedRandomCrop' and add 'crop_bbox' to the "
            "Pack transform's meta_keys."
        )
    else:
        y1 = x1 = 0
    # the view's output cell centres, in view pixels -> resized image -> un-augmented image
    ys = (torch.arange(out_h, dtype=torch.float64) + 0.5) * (view_h / out_h)
    xs = (torch.arange(out_w, dtype=torch.float64) + 0.5) * (view_w / out_w)
    if meta.get('flip') and meta.get('flip_direction', 'horizontal') != 'horizontal':
        raise ConfigError(
            "teacher_cache mode='geometric' maps horizontal flips only, got flip_direction="
            f'{meta.get("flip_direction")!r}.'
        )
    if meta.get('flip'):
        xs = img_w - xs  # the flip happened on the cropped view, before padding
    ys, xs = (ys + y1) / scale_h, (xs + x1) / scale_w
    grid_y = (2 * ys / ori_h - 1).to(sample_map.dtype)
    grid_x = (2 * xs / ori_w - 1).to(sample_map.dtype)
    grid = torch.stack(torch.meshgrid(grid_y, grid_x, indexing='ij')[::-1], dim=-1)
    source = sample_map.unsqueeze(0).float()
    mapped = F.grid_sample(source, grid[None].float(), align_corners=False, padding_mode='border')
    return mapped[0].to(sample_map.dtype)
