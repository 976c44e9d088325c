"""Small, deterministic, learnable datasets written in the REAL on-disk formats.

Why: the machine that develops and tests mmkd has no internet access, so no public dataset can be
downloaded. Instead of mocking the data path, we write files in exactly the layout the upstream
dataset classes expect (Cityscapes, NYU-Depth-v2), so that mmseg's own dataset classes, loading
transforms and pipelines run unchanged on them. The digits are the exception: CIFAR's own files
are pickles, which run code when loaded, so they are written as plain ``.npz`` arrays that
mmpretrain's CIFAR datasets read through :class:`CIFAR10Embedded` / :class:`CIFAR100Embedded`.

Three generators (each writes one dataset root and a stamp file, see :func:`generate_cityscapes`,
:func:`generate_nyu`, :func:`generate_digits_cifar10`, :func:`generate_digits_cifar100`):

* Cityscapes-layout street scenes (synthetic) for semantic segmentation,
* NYU-Depth-v2-layout indoor scenes (synthetic, ray-cast) for monocular depth,
* scikit-learn's REAL handwritten digits as CIFAR-10 / CIFAR-100 style ``.npz`` arrays.

Every image is drawn from its own random generator seeded by ``(seed, split, index)``, so the
output is byte-for-byte reproducible and an image does not change when the dataset size changes.
"""
import io
import json
import os
import os.path as osp
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.fileio import exists, get, join_path
from mmpretrain.datasets import CIFAR10, CIFAR100

from mmkd.registry import DATASETS
from mmkd.utils.errors import ConfigError

# Bump when any generator's output changes: the stamp then no longer matches and data is rewritten.
GENERATOR_VERSION = 2  # 2: the digits as .npz arrays instead of CIFAR's pickles
STAMP_FILE = '.mmkd_demo_data.json'

_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 3]
_JPG_PARAMS = [cv2.IMWRITE_JPEG_QUALITY, 95]
_SPLIT_CODES = {'train': 0, 'val': 1, 'test': 2, 'train_extra': 3}


@dataclass
class GenerationReport:
    """What a generator did, for the CLI to print."""

    name: str
    root: str
    skipped: bool
    counts: Dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def __str__(self) -> str:
        sizes = ', '.join(f'{n} {split}' for split, n in self.counts.items())
        if self.skipped:
            return f'{self.name}: up to date at {self.root} ({sizes}); use --force to regenerate'
        return f'{self.name}: wrote {sizes} to {self.root} in {self.seconds:.1f} s'


# --------------------------------------------------------------------------------------------
# Shared helpers: seeding, stamps, file writing
# --------------------------------------------------------------------------------------------
def item_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """One independent generator per item, so items do not depend on the dataset size."""
    return np.random.default_rng([seed, _SPLIT_CODES[split], index])


def _stamp_key(name: str, params: dict) -> dict:
    """What identifies a generated dataset: generator, version and parameters."""
    return dict(generator='mmkd.datasets.embedded', dataset=name, version=GENERATOR_VERSION,
                params=params)


def read_stamp(root: str) -> Optional[dict]:
    """The stamp in ``root``, or None if there is none (never generated, or interrupted)."""
    path = osp.join(root, STAMP_FILE)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def is_up_to_date(root: str, name: str, params: dict) -> bool:
    """True if ``root`` holds a stamp written by the same generator version and parameters."""
    stamp = read_stamp(root)
    return stamp is not None and {k: stamp.get(k) for k in ('generator', 'dataset', 'version',
                                                            'params')} == _stamp_key(name, params)


def _write_stamp(root: str, name: str, params: dict, counts: Dict[str, int]) -> None:
    # Written last: an interrupted run leaves no stamp and is redone next time.
    with open(osp.join(root, STAMP_FILE), 'w') as f:
        json.dump(dict(_stamp_key(name, params), counts=counts), f, indent=2)
        f.write('\n')


def _clear(root: str, subdirs: Sequence[str]) -> None:
    """Remove only what we generate, so shrinking a dataset leaves no stale files behind."""
    stamp = osp.join(root, STAMP_FILE)
    if osp.isfile(stamp):
        os.remove(stamp)
    for sub in subdirs:
        path = osp.join(root, sub)
        if osp.isdir(path):
            shutil.rmtree(path)


def _generate(name: str, root: str, params: dict, subdirs: Sequence[str], force: bool,
              write: Callable[[], Dict[str, int]]) -> GenerationReport:
    """Skip if stamped with the same parameters, else clear, write (returns counts) and stamp."""
    if not force and is_up_to_date(root, name, params):
        return GenerationReport(name, root, skipped=True, counts=read_stamp(root)['counts'])
    start = time.perf_counter()
    os.makedirs(root, exist_ok=True)
    _clear(root, subdirs)
    counts = write()
    _write_stamp(root, name, params, counts)
    return GenerationReport(name, root, skipped=False, counts=counts,
                            seconds=time.perf_counter() - start)


def _imwrite(path: str, img: np.ndarray, params: List[int]) -> None:
    """Write with explicit encoder settings; colour images are given as RGB."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    if not cv2.imwrite(path, img, params):
        raise OSError(f'could not write {path}')


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cell: float) -> np.ndarray:
    """Zero-mean, unit-ish noise with blobs of about ``cell`` pixels (a cheap texture source)."""
    grid = rng.standard_normal((int(h / cell) + 2, int(w / cell) + 2)).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)


def _hash01(ids: np.ndarray, salt: int) -> np.ndarray:
    """Deterministic pseudo-random value in [0, 1) per integer id (e.g. per floor plank)."""
    x = (ids.astype(np.int64) * 2654435761 + salt * 40503) % (2**32)
    x = (x ^ (x >> 13)) * 1274126177 % (2**32)
    return (x % 10007) / 10007.0


def _finish_image(rng: np.random.Generator, img: np.ndarray, noise: Tuple[float, float],
                  brightness: Tuple[float, float]) -> np.ndarray:
    """Global lighting, colour cast, sensor noise and slight blur, then quantise to uint8."""
    img = img * rng.uniform(*brightness) * rng.uniform(0.9, 1.1, 3).astype(np.float32)
    img = img + rng.normal(0.0, rng.uniform(*noise), img.shape).astype(np.float32)
    img = cv2.GaussianBlur(img, (3, 3), 0.6)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------------
# 1. Segmentation: Cityscapes layout, synthetic street scenes
# --------------------------------------------------------------------------------------------
# trainIds of the Cityscapes classes that appear (the other 10 trainIds never occur).
ROAD, SIDEWALK, BUILDING, POLE, VEGETATION, TERRAIN, SKY, PERSON, CAR = 0, 1, 2, 5, 8, 9, 10, 11, 13
CITYSCAPES_USED_CLASSES = {
    ROAD: 'road', SIDEWALK: 'sidewalk', BUILDING: 'building', POLE: 'pole',
    VEGETATION: 'vegetation', TERRAIN: 'terrain', SKY: 'sky', PERSON: 'person', CAR: 'car'}
IGNORE_INDEX = 255
# Unannotated train_extra frames of the demo data (`make demo`'s transfer set).
DEMO_EXTRA_FRAMES = 280
_CITIES = {'train': ('aachen', 'bochum', 'bremen'), 'val': ('frankfurt', 'lindau', 'munster'),
           'train_extra': ('augsburg', 'bamberg', 'konstanz')}
_CAR_COLOURS = np.array([(200, 200, 200), (40, 40, 45), (150, 25, 25), (30, 50, 130),
                         (120, 120, 125), (230, 230, 225), (25, 90, 60), (110, 95, 80)],
                        np.float32)


class _Canvas:
    """An RGB float image and its label map, painted together so they always agree."""

    def __init__(self, h: int, w: int) -> None:
        self.img = np.zeros((h, w, 3), np.float32)
        self.label = np.full((h, w), IGNORE_INDEX, np.uint8)
        self.ys, self.xs = np.mgrid[0:h, 0:w].astype(np.float32)

    def paint(self, mask: np.ndarray, texture: np.ndarray, cls: Optional[int]) -> None:
        self.img[mask] = texture[mask]
        if cls is not None:
            self.label[mask] = cls

    def poly_mask(self, points: Sequence[Tuple[float, float]]) -> np.ndarray:
        mask = np.zeros(self.label.shape, np.uint8)
        cv2.fillPoly(mask, [np.round(np.array(points)).astype(np.int32)], 1)
        return mask.astype(bool)

    def ellipse_mask(self, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
        return ((self.xs - cx) / max(rx, 0.5))**2 + ((self.ys - cy) / max(ry, 0.5))**2 <= 1.0

    def rect_mask(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        return (self.xs >= x0) & (self.xs < x1) & (self.ys >= y0) & (self.ys < y1)


def _flat(rng: np.random.Generator, h: int, w: int, colour: Sequence[float], fine: float,
          blotch: float, cell: float = 8.0) -> np.ndarray:
    """A colour with per-pixel grain (``fine``) and low-frequency blotches (``blotch``)."""
    tex = np.broadcast_to(np.asarray(colour, np.float32), (h, w, 3)).copy()
    tex += (blotch * _smooth_noise(rng, h, w, cell))[..., None]
    tex += rng.normal(0.0, fine, (h, w, 1)).astype(np.float32)
    return tex


def _sky_texture(rng: np.random.Generator, h: int, w: int, horizon: float) -> np.ndarray:
    """Blue-to-pale gradient, or (35 %) an overcast grey that looks like concrete or asphalt."""
    t = np.clip(np.arange(h, dtype=np.float32) / max(horizon, 1.0), 0, 1)[:, None, None]
    if rng.random() < 0.35:
        top = np.full(3, rng.uniform(120, 200), np.float32) + rng.uniform(-8, 8, 3)
        bottom = top + rng.uniform(0, 25)
    else:
        top = np.array([60, 110, 190], np.float32) + rng.uniform(-25, 25, 3)
        bottom = np.array([165, 195, 225], np.float32) + rng.uniform(-20, 20, 3)
    tex = top * (1 - t) + bottom * t + np.zeros((h, w, 3), np.float32)
    tex += (6 * _smooth_noise(rng, h, w, 16))[..., None]
    return tex


def _building_texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A facade colour (grey/beige/brick/dark) with a regular window grid: the grid is the cue."""
    base = [(115, 115, 118), (170, 150, 120), (150, 80, 60), (75, 75, 85)][rng.integers(4)]
    tex = _flat(rng, h, w, np.array(base) + rng.uniform(-30, 30, 3), fine=5, blotch=8)
    sx, sy = rng.uniform(4, 9), rng.uniform(4, 8)
    ox, oy = rng.uniform(0, sx), rng.uniform(0, sy)
    xs, ys = np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)
    win = (((xs[None] + ox) % sx) < sx * 0.55) & (((ys[:, None] + oy) % sy) < sy * 0.5)
    # Windows are dark or reflect the (blue) sky, which makes them colour-ambiguous with sky.
    glass = (45, 50, 60) if rng.random() < 0.5 else (110, 145, 190)
    tex[win] = np.array(glass, np.float32) + rng.uniform(-15, 15, 3)
    return tex


def _vegetation_texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Green (sometimes autumn brown) with strong leafy high-frequency speckle."""
    base = (60, 110, 40) if rng.random() < 0.8 else (140, 110, 55)
    tex = _flat(rng, h, w, np.array(base) + rng.uniform(-25, 25, 3), fine=14, blotch=25, cell=2.5)
    return tex


def _terrain_texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Grass: similar green to vegetation, but smooth; the texture, not the colour, differs."""
    return _flat(rng, h, w, np.array((100, 135, 65)) + rng.uniform(-25, 25, 3), fine=4, blotch=10,
                 cell=12)


def _road_texture(rng: np.random.Generator, h: int, w: int, vx: float, horizon: float,
                  canvas: _Canvas) -> np.ndarray:
    """Grey asphalt with patches and a dashed centre line (which is still 'road')."""
    tex = _flat(rng, h, w, rng.uniform(65, 140) + rng.uniform(-8, 8, 3), fine=5, blotch=12)
    t = np.clip((canvas.ys - horizon) / max(h - horizon, 1.0), 0, 1)
    centre = vx + t * (rng.uniform(0.4, 0.6) * w - vx)
    dash = (np.abs(canvas.xs - centre) < 0.3 + 1.2 * t) & (np.log1p(t * 30) * 3 % 1.0 < 0.5)
    tex[dash & (t > 0.05)] = rng.uniform(200, 240)
    return tex


def _sidewalk_texture(rng: np.random.Generator, h: int, w: int, horizon: float,
                      canvas: _Canvas) -> np.ndarray:
    """Grey/beige paving (overlapping road greys) with a perspective tile grid."""
    grey = rng.uniform(95, 170)
    tex = _flat(rng, h, w, np.array((grey + rng.uniform(0, 20), grey, grey - rng.uniform(0, 15))),
                fine=4, blotch=8)
    depth = max(h - horizon, 1.0) / np.maximum(canvas.ys - horizon, 0.5)  # ~ distance
    rows = (depth * rng.uniform(1.5, 3.0)) % 1.0 < 0.25
    cols = ((canvas.xs - w / 2) / depth * rng.uniform(0.15, 0.3)) % 1.0 < 0.2
    tex[rows | cols] -= rng.uniform(20, 40)
    return tex


def _ground_lines(rng: np.random.Generator, w: int, vx: float) -> Dict[str, float]:
    """Bottom-row x of the road and sidewalk edges; all edges meet at the vanishing point."""
    road_l, road_r = rng.uniform(-0.25, 0.2) * w, rng.uniform(0.8, 1.25) * w
    return dict(road_l=road_l, road_r=road_r, walk_l=road_l - rng.uniform(0.15, 0.5) * w,
                walk_r=road_r + rng.uniform(0.15, 0.5) * w, vx=vx)


def _edge_x(lines: Dict[str, float], name: str, t: np.ndarray) -> np.ndarray:
    """x of a ground edge at perspective fraction ``t`` (0 at the horizon, 1 at the bottom)."""
    return lines['vx'] + t * (lines[name] - lines['vx'])


def _draw_buildings(rng: np.random.Generator, canvas: _Canvas, horizon: float) -> None:
    h, w = canvas.label.shape
    x = -rng.uniform(0, 20)
    while x < w:
        bw = rng.uniform(12, 45)
        if rng.random() < 0.8:
            top = rng.uniform(0.0, 0.75) * horizon
            tex = _building_texture(rng, h, w)
            canvas.paint(canvas.rect_mask(x, top, x + bw, horizon + 1), tex, BUILDING)
        x += bw


def _draw_hedge(rng: np.random.Generator, canvas: _Canvas, horizon: float) -> None:
    """A row of bushes/trees in the distance, covering the bottom of some buildings."""
    h, w = canvas.label.shape
    tex = _vegetation_texture(rng, h, w)
    for cx in np.arange(rng.uniform(0, 10), w, rng.uniform(5, 12)):
        r = rng.uniform(3, 9)
        canvas.paint(canvas.ellipse_mask(cx, horizon - r * 0.3, r, r * 0.8), tex, VEGETATION)


def _draw_ground(rng: np.random.Generator, canvas: _Canvas, horizon: float,
                 lines: Dict[str, float]) -> None:
    h, w = canvas.label.shape
    t = (canvas.ys - horizon) / max(h - horizon, 1.0)
    ground = canvas.ys >= horizon
    road = ground & (canvas.xs >= _edge_x(lines, 'road_l', t)) & (
        canvas.xs <= _edge_x(lines, 'road_r', t))
    walk = ground & ~road & (canvas.xs >= _edge_x(lines, 'walk_l', t)) & (
        canvas.xs <= _edge_x(lines, 'walk_r', t))
    outer = ground & ~road & ~walk
    if rng.random() < 0.5:
        canvas.paint(outer, _terrain_texture(rng, h, w), TERRAIN)
    else:
        walk = walk | outer
    canvas.paint(walk, _sidewalk_texture(rng, h, w, horizon, canvas), SIDEWALK)
    canvas.paint(road, _road_texture(rng, h, w, lines['vx'], horizon, canvas), ROAD)


def _draw_car(rng: np.random.Generator, canvas: _Canvas, x: float, yb: float, s: float) -> None:
    """Body, cabin, windows and wheels (all 'car'), plus a shadow on the road."""
    h, w = canvas.label.shape
    cw = s * w * rng.uniform(0.26, 0.4)
    ch = cw * rng.uniform(0.45, 0.6)
    if cw < 4:
        return
    x0, x1 = x - cw / 2, x + cw / 2
    shadow = canvas.rect_mask(x0, yb - 1, x1 + cw * 0.1, yb + max(1.5, ch * 0.12))
    canvas.img[shadow] *= 0.55
    colour = _CAR_COLOURS[rng.integers(len(_CAR_COLOURS))] + rng.uniform(-15, 15, 3)
    body = _flat(rng, h, w, colour, fine=3, blotch=6, cell=4)
    canvas.paint(canvas.rect_mask(x0, yb - ch * 0.62, x1, yb - ch * 0.1), body, CAR)
    cabin = [(x0 + cw * 0.18, yb - ch), (x1 - cw * 0.2, yb - ch), (x1 - cw * 0.08, yb - ch * 0.6),
             (x0 + cw * 0.05, yb - ch * 0.6)]
    canvas.paint(canvas.poly_mask(cabin), body, CAR)
    glass = _flat(rng, h, w, np.array((50, 60, 75)) + rng.uniform(-15, 25, 3), fine=3, blotch=10)
    window = [(x0 + cw * 0.23, yb - ch * 0.93), (x1 - cw * 0.25, yb - ch * 0.93),
              (x1 - cw * 0.15, yb - ch * 0.64), (x0 + cw * 0.12, yb - ch * 0.64)]
    canvas.paint(canvas.poly_mask(window), glass, CAR)
    tyre = _flat(rng, h, w, (22, 22, 24), fine=3, blotch=0)
    r = ch * 0.2
    for wx in (x0 + cw * 0.2, x1 - cw * 0.2):
        canvas.paint(canvas.ellipse_mask(wx, yb - r, r, r), tyre, CAR)


def _draw_person(rng: np.random.Generator, canvas: _Canvas, x: float, yb: float, s: float) -> None:
    """Legs, torso in a random colour, and a head."""
    h, w = canvas.label.shape
    ph = s * h * rng.uniform(0.35, 0.55)
    if ph < 4:
        return
    pw = ph * 0.28
    legs = _flat(rng, h, w, rng.uniform(15, 70, 3), fine=4, blotch=0)
    torso = _flat(rng, h, w, rng.uniform(20, 230, 3), fine=4, blotch=0)
    skin = _flat(rng, h, w, np.array((215, 175, 145)) * rng.uniform(0.45, 1.1), fine=3, blotch=0)
    canvas.paint(canvas.rect_mask(x - pw * 0.4, yb - ph * 0.45, x - pw * 0.05, yb), legs, PERSON)
    canvas.paint(canvas.rect_mask(x + pw * 0.05, yb - ph * 0.45, x + pw * 0.4, yb), legs, PERSON)
    canvas.paint(canvas.rect_mask(x - pw / 2, yb - ph * 0.82, x + pw / 2, yb - ph * 0.43), torso,
                 PERSON)
    canvas.paint(canvas.ellipse_mask(x, yb - ph * 0.9, pw * 0.3, ph * 0.1), skin, PERSON)


def _draw_pole(rng: np.random.Generator, canvas: _Canvas, x: float, yb: float, s: float) -> None:
    """A thin grey vertical bar: colour like road or building, only its shape tells."""
    h, w = canvas.label.shape
    grey = rng.uniform(70, 170)
    tex = _flat(rng, h, w, (grey, grey, grey + rng.uniform(-10, 10)), fine=4, blotch=0)
    half = max(0.5, s * 1.3)
    canvas.paint(canvas.rect_mask(x - half, yb - s * h * rng.uniform(1.0, 2.0), x + half, yb),
                 tex, POLE)


def _draw_tree(rng: np.random.Generator, canvas: _Canvas, x: float, yb: float, s: float) -> None:
    """Trunk and crown; both are 'vegetation' in Cityscapes."""
    h, w = canvas.label.shape
    trunk_h = s * h * rng.uniform(0.4, 0.8)
    trunk = _flat(rng, h, w, np.array((90, 70, 50)) + rng.uniform(-15, 15, 3), fine=5, blotch=0)
    half = max(0.5, s * 1.2)
    canvas.paint(canvas.rect_mask(x - half, yb - trunk_h, x + half, yb), trunk, VEGETATION)
    r = s * h * rng.uniform(0.2, 0.4) + 2
    canvas.paint(canvas.ellipse_mask(x, yb - trunk_h - r * 0.6, r, r * 0.9),
                 _vegetation_texture(rng, h, w), VEGETATION)


def _place_objects(rng: np.random.Generator, canvas: _Canvas, horizon: float,
                   lines: Dict[str, float]) -> None:
    """Cars on the road, people/poles/trees on the sidewalks; sized by perspective, far first."""
    h, w = canvas.label.shape
    objects = []
    kinds = [('car', rng.integers(0, 5)), ('person', rng.integers(0, 5)),
             ('pole', rng.integers(0, 4)), ('tree', rng.integers(0, 3))]
    for kind, count in kinds:
        for _ in range(count):
            t = rng.uniform(0.12, 1.1)
            if kind == 'car':
                x = rng.uniform(_edge_x(lines, 'road_l', t), _edge_x(lines, 'road_r', t))
            else:
                side = 'l' if rng.random() < 0.5 else 'r'
                a, b = _edge_x(lines, f'walk_{side}', t), _edge_x(lines, f'road_{side}', t)
                x = rng.uniform(min(a, b), max(a, b))
            objects.append((t, kind, x))
    draw = dict(car=_draw_car, person=_draw_person, pole=_draw_pole, tree=_draw_tree)
    for t, kind, x in sorted(objects, key=lambda o: o[0]):
        draw[kind](rng, canvas, x, horizon + t * (h - horizon), t)


def _draw_ego_hood(rng: np.random.Generator, canvas: _Canvas) -> None:
    """The recording car's bonnet at the bottom, labelled 'ignore' (255) as in Cityscapes."""
    h, w = canvas.label.shape
    top = h - rng.uniform(2, 7)
    bulge = rng.uniform(1, 3)
    mask = canvas.ys >= top - bulge * (1 - ((canvas.xs - w / 2) / (w / 2))**2)
    canvas.paint(mask, _flat(rng, h, w, rng.uniform(20, 60, 3), fine=3, blotch=4), None)
    canvas.label[mask] = IGNORE_INDEX


def render_street_scene(rng: np.random.Generator, height: int = 64,
                        width: int = 128) -> Tuple[np.ndarray, np.ndarray]:
    """One synthetic street scene: (RGB uint8 image, uint8 trainId label map).

    Why it is learnable but not trivial: strong layout priors (sky on top, road at the bottom,
    sidewalks beside the road, perspective-scaled objects) and per-class textures (window grid,
    leafy speckle, tile grid, asphalt with lane dashes) identify each class, while colours
    deliberately overlap (grey road / sidewalk / pole / car / overcast sky / facades, green
    vegetation vs terrain, blue sky vs window reflections) and a per-image colour cast, brightness
    change and noise move colours further, so a pixel's colour alone is ambiguous.
    Classes: see :data:`CITYSCAPES_USED_CLASSES`; 255 marks the ego-vehicle bonnet.
    """
    canvas = _Canvas(height, width)
    horizon = rng.uniform(0.40, 0.55) * height
    vx = rng.uniform(0.3, 0.7) * width
    canvas.paint(np.ones((height, width), bool), _sky_texture(rng, height, width, horizon), SKY)
    _draw_buildings(rng, canvas, horizon)
    if rng.random() < 0.5:
        _draw_hedge(rng, canvas, horizon)
    lines = _ground_lines(rng, width, vx)
    _draw_ground(rng, canvas, horizon, lines)
    _place_objects(rng, canvas, horizon, lines)
    if rng.random() < 0.4:
        _draw_ego_hood(rng, canvas)
    img = _finish_image(rng, canvas.img, noise=(3, 9), brightness=(0.65, 1.25))
    return img, canvas.label


def jitter_labels(rng: np.random.Generator, label: np.ndarray, amplitude: float,
                  cell: float = 6.0) -> np.ndarray:
    """Annotation noise: resample the label map along a smooth random displacement field, so
    every boundary moves by up to ``amplitude`` pixels and thin objects may be cut, as with
    sloppy polygon annotation. The image is untouched."""
    h, w = label.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    dx = amplitude * np.clip(_smooth_noise(rng, h, w, cell), -1.5, 1.5) / 1.5
    dy = amplitude * np.clip(_smooth_noise(rng, h, w, cell), -1.5, 1.5) / 1.5
    return cv2.remap(label, xs + dx, ys + dy, interpolation=cv2.INTER_NEAREST,
                     borderMode=cv2.BORDER_REPLICATE)


def cityscapes_stem(split: str, index: int) -> str:
    """``<city>_<seq>_<frame>`` as in Cityscapes (frame 000019 is the annotated one there)."""
    cities = _CITIES[split]
    return f'{cities[index % len(cities)]}_{index // len(cities):06d}_000019'


def generate_cityscapes(root: str, num_train: int = 300, num_val: int = 60, height: int = 64,
                        width: int = 128, seed: int = 0, force: bool = False,
                        train_label_jitter: float = 0.0, num_extra: int = 0) -> GenerationReport:
    """Write ``leftImg8bit/{train,val}`` and ``gtFine/{train,val}`` (``*_labelTrainIds.png``).

    ``train_label_jitter`` (pixels) makes the *train* annotations imprecise the way hand-drawn
    polygons are: boundaries wander by up to about that many pixels along a smooth random field
    (see :func:`jitter_labels`). Validation annotations stay exact.

    ``num_extra`` more frames go to the ``train_extra`` split (as Cityscapes' extra frames) with
    **no annotation**: their label maps are all 255 (ignore), so mmseg's own dataset reads them,
    a task loss gets nothing from them and only a distillation loss learns from them.
    """
    params = dict(num_train=num_train, num_val=num_val, height=height, width=width, seed=seed)
    if train_label_jitter:
        params['train_label_jitter'] = train_label_jitter
    if num_extra:
        params['num_extra'] = num_extra
    counts = dict(train=num_train, val=num_val)
    if num_extra:
        counts['train_extra'] = num_extra

    def write() -> Dict[str, int]:
        for split, num in counts.items():
            for i in range(num):
                img, label = render_street_scene(item_rng(seed, split, i), height, width)
                if split == 'train' and train_label_jitter:
                    label = jitter_labels(item_rng(seed + 1000, split, i), label,
                                          train_label_jitter)
                if split == 'train_extra':
                    label = np.full_like(label, IGNORE_INDEX)
                stem = cityscapes_stem(split, i)
                city = stem.split('_')[0]
                _imwrite(osp.join(root, 'leftImg8bit', split, city, f'{stem}_leftImg8bit.png'),
                         img, _PNG_PARAMS)
                _imwrite(osp.join(root, 'gtFine', split, city, f'{stem}_gtFine_labelTrainIds.png'),
                         label, _PNG_PARAMS)
        return counts

    return _generate('cityscapes', root, params, ('leftImg8bit', 'gtFine'), force, write)


# --------------------------------------------------------------------------------------------
# 2. Depth: NYU-Depth-v2 layout, synthetic ray-cast rooms
# --------------------------------------------------------------------------------------------
NYU_SCENES: Tuple[str, ...] = (
    'printer_room', 'bathroom', 'living_room', 'study', 'conference_room', 'study_room', 'kitchen',
    'home_office', 'bedroom', 'dinette', 'playroom', 'indoor_balcony', 'laundry_room', 'basement',
    'excercise_room', 'foyer', 'home_storage', 'cafe', 'furniture_store', 'office_kitchen',
    'student_lounge', 'dining_room', 'reception_room', 'computer_lab', 'classroom', 'office',
    'bookstore')  # mmseg's NYUDataset.METAINFO['classes'], in its order (typo 'excercise' kept)
_ROOM_SCALE = {'bathroom': 0.6, 'laundry_room': 0.6, 'home_storage': 0.6, 'printer_room': 0.7,
               'foyer': 0.8, 'conference_room': 1.3, 'classroom': 1.4, 'cafe': 1.3,
               'bookstore': 1.3, 'furniture_store': 1.4, 'computer_lab': 1.3, 'basement': 1.2}
NYU_MIN_DEPTH, NYU_MAX_DEPTH = 0.5, 10.0  # metres
_NYU_FOCAL_640 = 518.8  # NYU-v2 Kinect focal length in pixels at 640x480


def _rotation(pitch: float, yaw: float) -> np.ndarray:
    """Camera-to-world rotation: pitch > 0 looks down, yaw turns right."""
    cp, sp, cy, sy = np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    return ry @ rx


def _camera_rays(h: int, w: int, focal: float, rot: np.ndarray) -> np.ndarray:
    """World-space ray directions whose camera-space z is 1, so the ray parameter IS z-depth."""
    u = np.arange(w) - (w - 1) / 2
    v = np.arange(h) - (h - 1) / 2
    d = np.stack(np.broadcast_arrays(u[None, :] / focal, -v[:, None] / focal, np.ones((h, 1))), -1)
    d = d @ rot.T
    return np.where(np.abs(d) < 1e-9, 1e-9, d)


@dataclass
class _Room:
    left: float
    right: float
    back: float
    ceiling: float
    cam_height: float
    boxes: List[Tuple[np.ndarray, np.ndarray]]


def _sample_room(rng: np.random.Generator, scene: str) -> _Room:
    """Room extents (metres; camera at x=0, z=0) and 1-4 boxes of furniture on the floor."""
    k = _ROOM_SCALE.get(scene, 1.0)
    width = rng.uniform(2.5, 5.5) * k
    left = width * rng.uniform(0.3, 0.7)
    back = min(rng.uniform(3.0, 7.5) * k, 9.5)
    boxes = []
    for _ in range(rng.integers(1, 5)):
        size = rng.uniform([0.4, 0.3, 0.4], [1.6, 2.0, 1.2])  # width, height, depth
        lo = np.array([rng.uniform(-left, width - left - size[0]), 0.0,
                       rng.uniform(1.2, max(1.3, back - size[2]))])
        size[1] = min(size[1], 0.5 + 0.4 * lo[2])  # no wall-sized box right in front of the lens
        boxes.append((lo, lo + size))
    return _Room(left=left, right=width - left, back=back, ceiling=rng.uniform(2.4, 3.2),
                 cam_height=rng.uniform(1.0, 1.6), boxes=boxes)


def _cast(rays: np.ndarray, origin: np.ndarray,
          room: _Room) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest hit per ray: (depth, surface id, normal). Ids: 0 floor, 1 ceiling, 2/3 left/right
    wall, 4 back wall, 5+ boxes."""
    planes = [(1, 0.0, (0, 1, 0)), (1, room.ceiling, (0, -1, 0)), (0, -room.left, (1, 0, 0)),
              (0, room.right, (-1, 0, 0)), (2, room.back, (0, 0, -1))]
    h, w, _ = rays.shape
    depth = np.full((h, w), np.inf)
    surface = np.zeros((h, w), np.int32)
    normal = np.zeros((h, w, 3))
    for sid, (axis, value, n) in enumerate(planes):
        t = (value - origin[axis]) / rays[..., axis]
        hit = (t > 1e-6) & (t < depth)
        depth[hit], surface[hit], normal[hit] = t[hit], sid, n
    for bid, (lo, hi) in enumerate(room.boxes):
        t1, t2 = (lo - origin) / rays, (hi - origin) / rays
        tmin, tmax = np.minimum(t1, t2), np.maximum(t1, t2)
        near, far = tmin.max(-1), tmax.min(-1)
        hit = (near <= far) & (near > 1e-6) & (near < depth)
        axis = tmin.argmax(-1)
        n = np.zeros((h, w, 3))
        np.put_along_axis(n, axis[..., None], -np.sign(np.take_along_axis(
            rays, axis[..., None], -1)), -1)
        depth[hit], surface[hit], normal[hit] = near[hit], 5 + bid, n[hit]
    return depth, surface, normal


def _albedo(rng: np.random.Generator, points: np.ndarray, surface: np.ndarray,
            num_boxes: int) -> np.ndarray:
    """Per-surface colours with textures fixed in WORLD units (planks, tiles, stripes, checks),
    so their image-space frequency grows with distance: a texture-gradient depth cue."""
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    out = np.zeros(points.shape, np.float32)
    # Floor: wooden planks along z, or checker tiles.
    floor = surface == 0
    base = rng.uniform([0.35, 0.25, 0.15], [0.75, 0.6, 0.45])
    if rng.random() < 0.5:
        plank = np.floor(x / rng.uniform(0.12, 0.3))
        tone = 1 + 0.35 * (_hash01(plank, 1) - 0.5) + 0.05 * np.sin(z * 25 + plank)
    else:
        size = rng.uniform(0.25, 0.6)
        tone = 1 + 0.3 * ((np.floor(x / size) + np.floor(z / size)) % 2 - 0.5)
    out[floor] = (base * tone[..., None])[floor]
    # Ceiling: plain, bright.
    out[surface == 1] = rng.uniform(0.75, 0.95)
    # Walls: one pastel colour, optional vertical stripes, dark skirting board.
    wall_colour = rng.uniform([0.45, 0.45, 0.45], [0.95, 0.95, 0.9])
    along = np.where(surface == 4, x, z)
    stripes = 1 + (0.12 * ((along / rng.uniform(0.12, 0.4)) % 1.0 < 0.5) if rng.random() < 0.5
                   else 0.0)
    walls = (surface >= 2) & (surface <= 4)
    out[walls] = (wall_colour * np.broadcast_to(stripes, x.shape)[..., None])[walls]
    out[walls & (y < 0.1)] = wall_colour * 0.35
    # Boxes: own colour, half of them with a check pattern on their faces.
    for b in range(num_boxes):
        m = surface == 5 + b
        colour = rng.uniform(0.1, 0.9, 3)
        size = rng.uniform(0.1, 0.3)
        check = (np.floor(x / size) + np.floor(y / size) + np.floor(z / size)) % 2
        tone = 1 - 0.3 * check if rng.random() < 0.5 else np.ones_like(x)
        out[m] = (colour * tone[..., None])[m]
    return out


def _draw_pictures(rng: np.random.Generator, points: np.ndarray, surface: np.ndarray,
                   albedo: np.ndarray) -> None:
    """Framed pictures on the back wall: strong image edges that are NOT depth edges."""
    x, y = points[..., 0], points[..., 1]
    for _ in range(rng.integers(0, 3)):
        x0, y0 = rng.uniform(-2.5, 2.0), rng.uniform(1.0, 1.8)
        m = (surface == 4) & (x > x0) & (x < x0 + rng.uniform(0.3, 1.0)) & (y > y0) & (
            y < y0 + rng.uniform(0.3, 0.7))
        albedo[m] = rng.uniform(0.05, 0.95, 3)


def _shade(rng: np.random.Generator, albedo: np.ndarray, points: np.ndarray, normal: np.ndarray,
           rays: np.ndarray, depth: np.ndarray, room: _Room) -> np.ndarray:
    """Ambient + Lambertian ceiling lamp with distance fall-off + a weak light at the camera
    (shows the orientation of faces turned away from the lamp) + mild darkening with depth."""
    lamp = np.array([rng.uniform(-room.left, room.right) * 0.6, room.ceiling - 0.05,
                     rng.uniform(0.3, 0.8) * room.back])
    to_lamp = lamp - points
    dist2 = (to_lamp**2).sum(-1)
    lambert = np.clip((normal * to_lamp).sum(-1) / np.sqrt(dist2 + 1e-9), 0, 1)
    view = np.clip(-(normal * rays).sum(-1) / np.linalg.norm(rays, axis=-1), 0, 1)
    light = 0.25 + 0.9 * lambert / (1 + 0.08 * dist2) + 0.2 * view
    light = light * (1.0 - 0.035 * depth)
    return (albedo * light[..., None] * 255).astype(np.float32)


def _invalidate(rng: np.random.Generator, depth_mm: np.ndarray) -> None:
    """Set a few small blobs to 0 (no measurement), like Kinect holes in raw NYU depth."""
    h, w = depth_mm.shape
    for _ in range(rng.integers(1, 4)):
        cv2.circle(depth_mm, (int(rng.integers(w)), int(rng.integers(h))),
                   int(rng.integers(1, 4)), 0, -1)


def render_indoor_scene(rng: np.random.Generator, scene: str = 'bedroom', height: int = 96,
                        width: int = 128) -> Tuple[np.ndarray, np.ndarray]:
    """One synthetic room: (RGB uint8 image, uint16 depth in millimetres, 0 = invalid).

    A box-shaped room (floor, ceiling, three walls) with 1-4 boxes of furniture is ray-cast from
    a camera with NYU's focal length (scaled to the image width), random height, pitch and yaw.
    Why it is learnable: depth follows from the vertical position on the floor plane, the
    perspective of plane intersections, world-scale texture getting finer with distance, lamp
    shading, occlusion by furniture and a mild darkening with distance. Pictures on the wall add
    edges without depth change, so not every image edge is a depth edge. Depth is in
    [0.5, 10] m (``depth_rescale_factor=1e-3`` gives metres); the room size depends a little on
    the scene type, as in real data.
    """
    room = _sample_room(rng, scene)
    rot = _rotation(rng.uniform(-0.05, 0.3), rng.uniform(-0.25, 0.25))
    rays = _camera_rays(height, width, _NYU_FOCAL_640 * width / 640, rot)
    origin = np.array([0.0, room.cam_height, 0.0])
    depth, surface, normal = _cast(rays, origin, room)
    points = origin + depth[..., None] * rays
    albedo = _albedo(rng, points, surface, len(room.boxes))
    _draw_pictures(rng, points, surface, albedo)
    img = _shade(rng, albedo, points, normal, rays, depth, room)
    img = _finish_image(rng, img, noise=(2, 5), brightness=(0.8, 1.2))
    depth_mm = np.rint(np.clip(depth, NYU_MIN_DEPTH, NYU_MAX_DEPTH) * 1000).astype(np.uint16)
    _invalidate(rng, depth_mm)
    return img, depth_mm


def generate_nyu(root: str, num_train: int = 300, num_test: int = 50, height: int = 96,
                 width: int = 128, seed: int = 0, force: bool = False) -> GenerationReport:
    """Write ``images/{train,test}/<scene>_<id>.jpg`` and ``annotations/{train,test}/<...>.png``
    (uint16 millimetres) as read by mmseg's ``NYUDataset``; scene types cycle through
    :data:`NYU_SCENES` so ``category_id`` resolves."""
    params = dict(num_train=num_train, num_test=num_test, height=height, width=width, seed=seed)
    counts = dict(train=num_train, test=num_test)

    def write() -> Dict[str, int]:
        offset = 0
        for split, num in counts.items():
            for i in range(num):
                scene = NYU_SCENES[i % len(NYU_SCENES)]
                img, depth = render_indoor_scene(item_rng(seed, split, i), scene, height, width)
                stem = f'{scene}_{offset + i + 1:04d}'  # ids are unique across splits
                _imwrite(osp.join(root, 'images', split, f'{stem}.jpg'), img, _JPG_PARAMS)
                _imwrite(osp.join(root, 'annotations', split, f'{stem}.png'), depth, _PNG_PARAMS)
            offset += num
        return counts

    return _generate('nyu', root, params, ('images', 'annotations'), force, write)


# --------------------------------------------------------------------------------------------
# 3. Classification: scikit-learn's real digits as CIFAR-10 / CIFAR-100 arrays
# --------------------------------------------------------------------------------------------
DIGIT_CLASSES: Tuple[str, ...] = tuple(str(d) for d in range(10))
_STYLES: Tuple[Tuple[str, Tuple[int, int, int], Tuple[int, int, int]], ...] = (
    ('white_on_black', (255, 255, 255), (0, 0, 0)),
    ('black_on_white', (0, 0, 0), (255, 255, 255)),
    ('red_on_black', (230, 30, 30), (0, 0, 0)),
    ('green_on_black', (30, 220, 30), (0, 0, 0)),
    ('blue_on_black', (40, 60, 255), (0, 0, 0)),
    ('yellow_on_blue', (250, 230, 40), (20, 30, 140)),
    ('cyan_on_red', (40, 230, 230), (150, 20, 20)),
    ('magenta_on_green', (230, 40, 220), (20, 110, 30)),
    ('white_on_grey', (255, 255, 255), (110, 110, 110)),
    ('orange_on_navy', (250, 150, 30), (10, 20, 70)),
)
# Fine label = 10 * digit + style; coarse label = fine // 5 (5 fine per coarse, as in CIFAR-100).
CIFAR100_DIGIT_CLASSES: Tuple[str, ...] = tuple(
    f'{d}_{name}' for d in range(10) for name, _, _ in _STYLES)
CIFAR100_DIGIT_COARSE: Tuple[str, ...] = tuple(
    f'{d}_{group}' for d in range(10) for group in ('plain', 'two_tone'))


def load_digits_32() -> Tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 real 8x8 handwritten digits, as (N, 32, 32) uint8 ink and labels."""
    # Imported here: scikit-learn is only needed to generate, not to import mmkd.datasets.
    from sklearn.datasets import load_digits
    digits = load_digits()
    small = (digits.images * (255.0 / 16.0)).astype(np.float32)
    big = np.stack([cv2.resize(im, (32, 32), interpolation=cv2.INTER_CUBIC) for im in small])
    return np.clip(np.rint(big), 0, 255).astype(np.uint8), digits.target.astype(np.int64)


def stratified_split(labels: np.ndarray, test_fraction: float,
                     seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Per-class random split (sorted indices), so both splits keep the class proportions."""
    rng = np.random.default_rng([seed, 7])
    train, test = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_test = int(round(len(idx) * test_fraction))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def write_npz(path: str, arrays: Dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an ``.npz`` that ``np.load(allow_pickle=False)`` reads, byte-for-byte
    reproducibly: ``np.savez`` stamps every member with the current time, this writer with a
    fixed one. Object arrays (which would be pickled) are refused."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            member = zipfile.ZipInfo(f'{key}.npy', date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, buffer.getvalue())


def generate_digits_cifar10(root: str, test_fraction: float = 0.2, seed: int = 0,
                            force: bool = False) -> GenerationReport:
    """Write ``cifar-10-npz/{train,test}.npz`` with the real sklearn digits (grey ink replicated
    to RGB, 8x8 upsampled to 32x32), stratified split: ``images`` (N, 32, 32, 3) uint8,
    ``labels`` (N,) int64 and the ``classes``, no pickled object anywhere.
    Read them with :class:`CIFAR10Embedded` (``type='mmkd.CIFAR10Embedded'``)."""
    params = dict(test_fraction=test_fraction, seed=seed)
    folder = osp.join(root, CIFAR10Embedded.base_folder)

    def write() -> Dict[str, int]:
        images, labels = load_digits_32()
        rgb = np.repeat(images[..., None], 3, axis=-1)
        splits = dict(zip(('train', 'test'), stratified_split(labels, test_fraction, seed)))
        for split, idx in splits.items():
            write_npz(osp.join(folder, f'{split}.npz'),
                      dict(images=rgb[idx], labels=labels[idx],
                           classes=np.array(DIGIT_CLASSES)))
        return {split: len(idx) for split, idx in splits.items()}

    return _generate('digits_cifar10', root, params,
                     (CIFAR10Embedded.base_folder, CIFAR10Embedded.legacy_folder), force, write)


def stylise_digit(rng: np.random.Generator, ink: np.ndarray, style: int) -> np.ndarray:
    """Colour a (32, 32) ink image with style ``style`` (foreground/background colours) and
    shift it by up to 2 px, giving one of 10 visually distinct variants of the digit."""
    _, fg, bg = _STYLES[style]
    a = np.roll(ink.astype(np.float32) / 255.0, tuple(rng.integers(-2, 3, 2)), axis=(0, 1))
    img = a[..., None] * np.array(fg, np.float32) + (1 - a[..., None]) * np.array(bg, np.float32)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def _cifar100_split(rng: np.random.Generator, ink: np.ndarray, labels: np.ndarray,
                    pool: np.ndarray, per_class: int) -> Tuple[np.ndarray, List[int]]:
    images, fine = [], []
    for d in range(10):
        candidates = pool[labels[pool] == d]
        picks = rng.choice(candidates, size=10 * per_class,
                           replace=len(candidates) < 10 * per_class)
        for k, src in enumerate(picks):
            style = k // per_class
            images.append(stylise_digit(rng, ink[src], style))
            fine.append(10 * d + style)
    return np.stack(images), fine


def generate_digits_cifar100(root: str, num_train_per_class: int = 5, num_test_per_class: int = 2,
                             test_fraction: float = 0.2, seed: int = 0,
                             force: bool = False) -> GenerationReport:
    """Write ``cifar-100-npz/{train,test}.npz``: 100 classes = 10 real digits x 10 colour styles
    (``labels`` = fine label ``10 * digit + style``, ``coarse_labels`` = ``fine // 5``), test
    images drawn from the held-out digits of the CIFAR-10 split. Read with
    :class:`CIFAR100Embedded`."""
    params = dict(num_train_per_class=num_train_per_class, num_test_per_class=num_test_per_class,
                  test_fraction=test_fraction, seed=seed)
    folder = osp.join(root, CIFAR100Embedded.base_folder)
    counts = dict(train=100 * num_train_per_class, test=100 * num_test_per_class)

    def write() -> Dict[str, int]:
        ink, labels = load_digits_32()
        pools = dict(zip(('train', 'test'), stratified_split(labels, test_fraction, seed)))
        for split, per_class in (('train', num_train_per_class), ('test', num_test_per_class)):
            rng = np.random.default_rng([seed, _SPLIT_CODES[split], 100])
            images, fine = _cifar100_split(rng, ink, labels, pools[split], per_class)
            fine = np.array(fine, dtype=np.int64)
            write_npz(osp.join(folder, f'{split}.npz'),
                      dict(images=images, labels=fine, coarse_labels=fine // 5,
                           classes=np.array(CIFAR100_DIGIT_CLASSES),
                           coarse_classes=np.array(CIFAR100_DIGIT_COARSE)))
        return counts

    return _generate('digits_cifar100', root, params,
                     (CIFAR100Embedded.base_folder, CIFAR100Embedded.legacy_folder), force, write)


# --------------------------------------------------------------------------------------------
# Loaders: mmpretrain's CIFAR datasets, reading arrays that cannot run code
# --------------------------------------------------------------------------------------------
REGENERATE = 'python tools/data/make_demo_data.py'


class _EmbeddedCIFAR:
    """Reads the digits written by :func:`generate_digits_cifar10` / ``..._cifar100``.

    Why not mmpretrain's own parsing: it ``pickle.loads`` every batch file, and a pickle runs
    whatever code it names, so a file planted in ``data_root`` would execute. The generators
    write ``.npz`` arrays instead, read here with ``allow_pickle=False`` (numpy then refuses
    pickled content, object arrays included). What the dataset yields is mmpretrain's CIFAR
    (same classes and metainfo, ``img`` HxWx3 uint8 RGB, ``gt_label`` int); files of the old
    pickle layout are refused, never opened.
    """

    base_folder: str
    legacy_folder: str
    legacy_files: Tuple[str, ...]
    default_root_name: str

    def __init__(self, data_root: str = '', split: str = 'train', download: bool = False,
                 **kwargs) -> None:
        if download:
            raise ValueError(f'embedded data is generated, not downloaded: {REGENERATE}')
        super().__init__(data_root=data_root, split=split, download=False, **kwargs)

    def _check_integrity(self) -> bool:
        return all(exists(self._split_path(split)) for split in ('train', 'test'))

    def _split_path(self, split: str) -> str:
        return join_path(self.data_prefix['root'], self.base_folder, f'{split}.npz')

    def _regenerate(self) -> str:
        """The command that rewrites this data_root (``--out`` is the folder above it)."""
        parent, name = osp.split(osp.normpath(self.data_prefix['root']))
        command = f'{REGENERATE} --only cls --force --out {parent or "."}'
        if name == self.default_root_name:
            return command
        return f'{command} and set data_root to {osp.join(parent, self.default_root_name)}'

    def load_data_list(self) -> List[dict]:
        path = self._split_path(self.split)
        if not exists(path):
            legacy = join_path(self.data_prefix['root'], self.legacy_folder)
            if any(exists(join_path(legacy, name)) for name in self.legacy_files):
                raise ConfigError(
                    f'{legacy} holds the old pickle layout of the embedded digits, which mmkd no '
                    f'longer reads (unpickling a file can run code): regenerate the data with '
                    f'`{self._regenerate()}`.')
            raise ConfigError(f'no embedded digits at {path}: generate them with '
                              f'`{self._regenerate()}`.')
        arrays = self._read_arrays(path)
        if self.CLASSES is None:  # as mmpretrain: classes from the file only if none are given
            self._metainfo['classes'] = tuple(arrays['classes'].tolist())
        return [{'img': img, 'gt_label': int(label)}
                for img, label in zip(arrays['images'], arrays['labels'])]

    def _read_arrays(self, path: str) -> Dict[str, np.ndarray]:
        """The checked arrays of ``path``; anything else is one clear error, never unpickled."""
        def bad(problem: str) -> ConfigError:
            return ConfigError(f'{path} is not embedded digit data ({problem}); mmkd reads only '
                               f'plain arrays, never pickles: regenerate it with '
                               f'`{self._regenerate()}`.')

        data = io.BytesIO(get(path))
        if not zipfile.is_zipfile(data):
            raise bad('not an .npz archive')
        try:
            with np.load(data, allow_pickle=False) as npz:
                arrays = {key: npz[key] for key in ('images', 'labels', 'classes')}
        except KeyError as err:
            raise bad(f'missing array {err}') from None
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
            raise bad(str(err).splitlines()[0] if str(err) else type(err).__name__) from None
        images, labels, classes = arrays['images'], arrays['labels'], arrays['classes']
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (32, 32, 3):
            raise bad(f'images must be (N, 32, 32, 3) uint8, got {images.shape} {images.dtype}')
        if labels.dtype.kind not in 'iu' or labels.shape != images.shape[:1]:
            raise bad(f'labels must be {images.shape[:1]} integers, got {labels.shape} '
                      f'{labels.dtype}')
        if classes.dtype.kind != 'U' or classes.ndim != 1:
            raise bad('classes must be a 1-d array of names')
        if len(labels) and not 0 <= labels.min() <= labels.max() < len(classes):
            raise bad(f'labels outside [0, {len(classes)})')
        return arrays


@DATASETS.register_module()
class CIFAR10Embedded(_EmbeddedCIFAR, CIFAR10):
    """mmpretrain's :class:`CIFAR10` on the real sklearn digits of
    :func:`generate_digits_cifar10` (``cifar-10-npz/{train,test}.npz``), read without pickle."""

    base_folder = 'cifar-10-npz'
    legacy_folder = 'cifar-10-batches-py'
    legacy_files = ('data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4',
                    'data_batch_5', 'test_batch', 'batches.meta')
    default_root_name = 'digits_cifar10'
    METAINFO = {'classes': DIGIT_CLASSES}


@DATASETS.register_module()
class CIFAR100Embedded(_EmbeddedCIFAR, CIFAR100):
    """mmpretrain's :class:`CIFAR100` on the 100 digit-style classes of
    :func:`generate_digits_cifar100` (``cifar-100-npz/{train,test}.npz``, gt_label = fine
    label), read without pickle."""

    base_folder = 'cifar-100-npz'
    legacy_folder = 'cifar-100-python'
    legacy_files = ('train', 'test', 'meta')
    default_root_name = 'digits_cifar100'
    METAINFO = {'classes': CIFAR100_DIGIT_CLASSES}
