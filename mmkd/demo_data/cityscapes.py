"""Synthetic street scenes in the Cityscapes layout, for semantic segmentation.

``leftImg8bit/<split>/<city>/*_leftImg8bit.png`` and ``gtFine/<split>/<city>/
*_gtFine_labelTrainIds.png``, as mmseg's ``CityscapesDataset`` reads them.
"""

from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

from .common import (
    GenerationReport,
    finish_image,
    item_rng,
    write_cityscapes_pair,
    write_dataset,
)

# trainIds of the Cityscapes classes that appear (the other 10 trainIds never occur).
ROAD, SIDEWALK, BUILDING, POLE, VEGETATION, TERRAIN, SKY, PERSON, CAR = 0, 1, 2, 5, 8, 9, 10, 11, 13
CITYSCAPES_USED_CLASSES = {
    ROAD: 'road',
    SIDEWALK: 'sidewalk',
    BUILDING: 'building',
    POLE: 'pole',
    VEGETATION: 'vegetation',
    TERRAIN: 'terrain',
    SKY: 'sky',
    PERSON: 'person',
    CAR: 'car',
}
IGNORE_INDEX = 255
# Unannotated train_extra frames of the demo data (`make demo`'s transfer set).
DEMO_EXTRA_FRAMES = 280
_CITIES = {
    'train': ('aachen', 'bochum', 'bremen'),
    'val': ('frankfurt', 'lindau', 'munster'),
    'train_extra': ('augsburg', 'bamberg', 'konstanz'),
}
_CAR_COLOURS = np.array(
    [
        (200, 200, 200),
        (40, 40, 45),
        (150, 25, 25),
        (30, 50, 130),
        (120, 120, 125),
        (230, 230, 225),
        (25, 90, 60),
        (110, 95, 80),
    ],
    np.float32,
)


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cell: float) -> np.ndarray:
    """Zero-mean, unit-ish noise with blobs of about ``cell`` pixels (a cheap texture source)."""
    grid = rng.standard_normal((int(h / cell) + 2, int(w / cell) + 2)).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)


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
        return ((self.xs - cx) / max(rx, 0.5)) ** 2 + ((self.ys - cy) / max(ry, 0.5)) ** 2 <= 1.0

    def rect_mask(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        return (self.xs >= x0) & (self.xs < x1) & (self.ys >= y0) & (self.ys < y1)


def _flat(
    rng: np.random.Generator,
    h: int,
    w: int,
    colour: Sequence[float],
    fine: float,
    blotch: float,
    cell: float = 8.0,
) -> np.ndarray:
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
    return _flat(
        rng, h, w, np.array((100, 135, 65)) + rng.uniform(-25, 25, 3), fine=4, blotch=10, cell=12
    )


def _road_texture(
    rng: np.random.Generator, h: int, w: int, vx: float, horizon: float, canvas: _Canvas
) -> np.ndarray:
    """Grey asphalt with patches and a dashed centre line (which is still 'road')."""
    tex = _flat(rng, h, w, rng.uniform(65, 140) + rng.uniform(-8, 8, 3), fine=5, blotch=12)
    t = np.clip((canvas.ys - horizon) / max(h - horizon, 1.0), 0, 1)
    centre = vx + t * (rng.uniform(0.4, 0.6) * w - vx)
    dash = (np.abs(canvas.xs - centre) < 0.3 + 1.2 * t) & (np.log1p(t * 30) * 3 % 1.0 < 0.5)
    tex[dash & (t > 0.05)] = rng.uniform(200, 240)
    return tex


def _sidewalk_texture(
    rng: np.random.Generator, h: int, w: int, horizon: float, canvas: _Canvas
) -> np.ndarray:
    """Grey/beige paving (overlapping road greys) with a perspective tile grid."""
    grey = rng.uniform(95, 170)
    tex = _flat(
        rng,
        h,
        w,
        np.array((grey + rng.uniform(0, 20), grey, grey - rng.uniform(0, 15))),
        fine=4,
        blotch=8,
    )
    depth = max(h - horizon, 1.0) / np.maximum(canvas.ys - horizon, 0.5)  # ~ distance
    rows = (depth * rng.uniform(1.5, 3.0)) % 1.0 < 0.25
    cols = ((canvas.xs - w / 2) / depth * rng.uniform(0.15, 0.3)) % 1.0 < 0.2
    tex[rows | cols] -= rng.uniform(20, 40)
    return tex


def _ground_lines(rng: np.random.Generator, w: int, vx: float) -> Dict[str, float]:
    """Bottom-row x of the road and sidewalk edges; all edges meet at the vanishing point."""
    road_l, road_r = rng.uniform(-0.25, 0.2) * w, rng.uniform(0.8, 1.25) * w
    return dict(
        road_l=road_l,
        road_r=road_r,
        walk_l=road_l - rng.uniform(0.15, 0.5) * w,
        walk_r=road_r + rng.uniform(0.15, 0.5) * w,
        vx=vx,
    )


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


def _draw_ground(
    rng: np.random.Generator, canvas: _Canvas, horizon: float, lines: Dict[str, float]
) -> None:
    h, w = canvas.label.shape
    t = (canvas.ys - horizon) / max(h - horizon, 1.0)
    ground = canvas.ys >= horizon
    road = (
        ground
        & (canvas.xs >= _edge_x(lines, 'road_l', t))
        & (canvas.xs <= _edge_x(lines, 'road_r', t))
    )
    walk = (
        ground
        & ~road
        & (canvas.xs >= _edge_x(lines, 'walk_l', t))
        & (canvas.xs <= _edge_x(lines, 'walk_r', t))
    )
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
    cabin = [
        (x0 + cw * 0.18, yb - ch),
        (x1 - cw * 0.2, yb - ch),
        (x1 - cw * 0.08, yb - ch * 0.6),
        (x0 + cw * 0.05, yb - ch * 0.6),
    ]
    canvas.paint(canvas.poly_mask(cabin), body, CAR)
    glass = _flat(rng, h, w, np.array((50, 60, 75)) + rng.uniform(-15, 25, 3), fine=3, blotch=10)
    window = [
        (x0 + cw * 0.23, yb - ch * 0.93),
        (x1 - cw * 0.25, yb - ch * 0.93),
        (x1 - cw * 0.15, yb - ch * 0.64),
        (x0 + cw * 0.12, yb - ch * 0.64),
    ]
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
    canvas.paint(
        canvas.rect_mask(x - pw / 2, yb - ph * 0.82, x + pw / 2, yb - ph * 0.43), torso, PERSON
    )
    canvas.paint(canvas.ellipse_mask(x, yb - ph * 0.9, pw * 0.3, ph * 0.1), skin, PERSON)


def _draw_pole(rng: np.random.Generator, canvas: _Canvas, x: float, yb: float, s: float) -> None:
    """A thin grey vertical bar: colour like road or building, only its shape tells."""
    h, w = canvas.label.shape
    grey = rng.uniform(70, 170)
    tex = _flat(rng, h, w, (grey, grey, grey + rng.uniform(-10, 10)), fine=4, blotch=0)
    half = max(0.5, s * 1.3)
    canvas.paint(
        canvas.rect_mask(x - half, yb - s * h * rng.uniform(1.0, 2.0), x + half, yb), tex, POLE
    )


def _draw_tree(rng: np.random.Generator, canvas: _Canvas, x: float, yb: float, s: float) -> None:
    """Trunk and crown; both are 'vegetation' in Cityscapes."""
    h, w = canvas.label.shape
    trunk_h = s * h * rng.uniform(0.4, 0.8)
    trunk = _flat(rng, h, w, np.array((90, 70, 50)) + rng.uniform(-15, 15, 3), fine=5, blotch=0)
    half = max(0.5, s * 1.2)
    canvas.paint(canvas.rect_mask(x - half, yb - trunk_h, x + half, yb), trunk, VEGETATION)
    r = s * h * rng.uniform(0.2, 0.4) + 2
    canvas.paint(
        canvas.ellipse_mask(x, yb - trunk_h - r * 0.6, r, r * 0.9),
        _vegetation_texture(rng, h, w),
        VEGETATION,
    )


def _place_objects(
    rng: np.random.Generator, canvas: _Canvas, horizon: float, lines: Dict[str, float]
) -> None:
    """Cars on the road, people/poles/trees on the sidewalks; sized by perspective, far first."""
    h, w = canvas.label.shape
    objects = []
    kinds = [
        ('car', rng.integers(0, 5)),
        ('person', rng.integers(0, 5)),
        ('pole', rng.integers(0, 4)),
        ('tree', rng.integers(0, 3)),
    ]
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
    mask = canvas.ys >= top - bulge * (1 - ((canvas.xs - w / 2) / (w / 2)) ** 2)
    canvas.paint(mask, _flat(rng, h, w, rng.uniform(20, 60, 3), fine=3, blotch=4), None)
    canvas.label[mask] = IGNORE_INDEX


def render_street_scene(
    rng: np.random.Generator, height: int = 64, width: int = 128
) -> Tuple[np.ndarray, np.ndarray]:
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
    img = finish_image(rng, canvas.img, noise=(3, 9), brightness=(0.65, 1.25))
    return img, canvas.label


def jitter_labels(
    rng: np.random.Generator, label: np.ndarray, amplitude: float, cell: float = 6.0
) -> np.ndarray:
    """Annotation noise: resample the label map along a smooth random displacement field, so
    every boundary moves by up to ``amplitude`` pixels and thin objects may be cut, as with
    sloppy polygon annotation. The image is untouched."""
    h, w = label.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    dx = amplitude * np.clip(_smooth_noise(rng, h, w, cell), -1.5, 1.5) / 1.5
    dy = amplitude * np.clip(_smooth_noise(rng, h, w, cell), -1.5, 1.5) / 1.5
    return cv2.remap(
        label, xs + dx, ys + dy, interpolation=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE
    )


def cityscapes_stem(split: str, index: int) -> str:
    """``<city>_<seq>_<frame>`` as in Cityscapes (frame 000019 is the annotated one there)."""
    cities = _CITIES[split]
    return f'{cities[index % len(cities)]}_{index // len(cities):06d}_000019'


def generate_cityscapes(
    root: str,
    num_train: int = 300,
    num_val: int = 60,
    height: int = 64,
    width: int = 128,
    seed: int = 0,
    force: bool = False,
    train_label_jitter: float = 0.0,
    num_extra: int = 0,
) -> GenerationReport:
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
                    label = jitter_labels(
                        item_rng(seed + 1000, split, i), label, train_label_jitter
                    )
                if split == 'train_extra':
                    label = np.full_like(label, IGNORE_INDEX)
                write_cityscapes_pair(root, split, cityscapes_stem(split, i), img, label)
        return counts

    return write_dataset('cityscapes', root, params, ('leftImg8bit', 'gtFine'), force, write)
