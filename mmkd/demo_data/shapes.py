"""Generated shapes scenes in the Cityscapes layout: classes told apart by outline and context.

``leftImg8bit/<split>/<city>/*_leftImg8bit.png`` and ``gtFine/<split>/<city>/
*_gtFine_labelTrainIds.png``, as mmseg's ``CityscapesDataset`` reads them (trainIds 0-8 are the
classes of :data:`SHAPES_CLASSES`; the other 10 trainIds never occur, mIoU averages over the rest).

Why this task exists: on the street scenes (:mod:`.cityscapes`) colour, texture and position give
most classes away, so the width-8 demo student is nearly as good as the teacher and distillation
has nothing to transfer. Here every pixel-local cue is made useless on purpose:

* every object's colour, texture and shading is drawn from ONE distribution whatever its class,
  and the background is drawn from the same colours, so a pixel's colour says nothing;
* the object classes are filled vs hollow discs, squares and triangles and crosses, at a random
  scale and rotation: only the outline, seen over a whole object, tells them apart (a hollow
  square and a ring share their stroke; a disc edge and a square edge are locally both edges);
* one class is pure context: a small filled shape lying *inside* a hollow shape is ``enclosed``,
  the same shape outside is its own shape class;
* distractor strokes and dots (background) share the object colours, objects occlude each other,
  and lighting, colour cast, noise and blur move every colour further.

So each class needs its own shape detectors at every scale and rotation plus the spatial relation
for ``enclosed``: many channels, which the narrow student lacks and the wide teacher has.
"""

from typing import Dict, Tuple

import cv2
import numpy as np

from .common import (
    GenerationReport,
    finish_image,
    item_rng,
    write_cityscapes_pair,
    write_dataset,
)

IGNORE_INDEX = 255
BACKGROUND, DISC, RING, SQUARE, FRAME, TRIANGLE, HOLLOW_TRIANGLE, CROSS, ENCLOSED = range(9)
SHAPES_CLASSES = {
    BACKGROUND: 'background',
    DISC: 'disc',
    RING: 'ring',
    SQUARE: 'square',
    FRAME: 'hollow square',
    TRIANGLE: 'triangle',
    HOLLOW_TRIANGLE: 'hollow triangle',
    CROSS: 'cross',
    ENCLOSED: 'enclosed',
}
# The classes an object is drawn as, each equally likely (ENCLOSED comes from the context rule).
_FREE_CLASSES = (DISC, RING, SQUARE, FRAME, TRIANGLE, HOLLOW_TRIANGLE, CROSS)
_HOLLOW = {RING: 'circle', FRAME: 'square', HOLLOW_TRIANGLE: 'triangle'}
_FILLED = {DISC: 'circle', SQUARE: 'square', TRIANGLE: 'triangle', CROSS: 'cross'}
_CITIES = {'train': ('aachen', 'bochum', 'bremen'), 'val': ('frankfurt', 'lindau', 'munster')}
_SUB = 16  # cv2.fillPoly sub-pixel precision (shift=4)


def _random_colour(rng: np.random.Generator) -> np.ndarray:
    """One colour from the distribution every object and the background share (HSV uniform)."""
    hsv = np.array([[[rng.uniform(0, 180), rng.uniform(40, 255), rng.uniform(50, 255)]]])
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cell: float) -> np.ndarray:
    grid = rng.standard_normal((int(h / cell) + 2, int(w / cell) + 2)).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)


def _background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A shared-distribution colour with slow blotches and grain."""
    img = _random_colour(rng) + (12 * _smooth_noise(rng, h, w, 16))[..., None]
    return img + rng.normal(0, rng.uniform(2, 6), (h, w, 1)).astype(np.float32)


def _surface(rng: np.random.Generator, h: int, w: int, colour: np.ndarray) -> np.ndarray:
    """An object's paint: its colour with a random shading ramp and (half the time) faint
    stripes, both independent of the class, so texture is no cue either."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xs + np.sin(angle) * ys) / max(h, w)
    img = colour * (1 + rng.uniform(-0.3, 0.3) * ramp)[..., None]
    if rng.random() < 0.3:
        period = rng.uniform(3, 6)
        stripes = (np.cos(angle + 1.3) * xs + np.sin(angle + 1.3) * ys) % period < period / 2
        img[stripes] = 0.8 * img[stripes] + 0.2 * _random_colour(rng)
    return img


def _paint(
    rng: np.random.Generator, img: np.ndarray, label: np.ndarray, mask: np.ndarray, cls: int
) -> None:
    """Paint an object over ``img`` in a colour that stands out from what it covers (the class
    never enters the choice of colour), and write its class into ``label``."""
    if not mask.any():
        return
    under = img[mask].mean(0)
    colour = _random_colour(rng)
    for _ in range(20):
        if np.abs(colour - under).sum() > 150:
            break
        colour = _random_colour(rng)
    paint = _surface(rng, *label.shape, colour)
    img[mask], label[mask] = paint[mask], cls


def _polygon_mask(shape: Tuple[int, int], points: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points * _SUB).astype(np.int32)], 1, cv2.LINE_8, 4)
    return mask.astype(bool)


def _outline(kind: str, radius: float, angle: float) -> np.ndarray:
    """The outline polygon (centred at 0) of a square, triangle or cross of circumradius
    ``radius``."""
    if kind == 'cross':
        a = 0.36  # half the arm width, relative to the radius
        unit = [(a, 1), (a, a), (1, a), (1, -a), (a, -a), (a, -1)]
        unit = unit + [(-x, -y) for x, y in unit]
        pts = np.array(unit, np.float32) * radius / np.hypot(1, a)
    else:
        n = 4 if kind == 'square' else 3
        phi = np.arange(n) * 2 * np.pi / n
        pts = radius * np.stack([np.cos(phi), np.sin(phi)], 1)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return pts @ rot.T


def _inradius(kind: str, radius: float) -> float:
    return {'circle': radius, 'square': radius * np.cos(np.pi / 4), 'triangle': radius / 2}[kind]


def shape_mask(
    shape: Tuple[int, int],
    kind: str,
    cx: float,
    cy: float,
    radius: float,
    angle: float,
    stroke: float = 0.0,
) -> np.ndarray:
    """Pixels of a filled shape, or of its outline ``stroke`` pixels wide (inwards)."""
    if kind == 'circle':
        ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
        d = np.hypot(xs + 0.5 - cx, ys + 0.5 - cy)
        return (d <= radius) & (d > radius - stroke) if stroke else d <= radius
    centre = np.array([cx, cy], np.float32)
    mask = _polygon_mask(shape, _outline(kind, radius, angle) + centre)
    if stroke:
        scale = 1 - stroke / _inradius(kind, radius)
        mask &= ~_polygon_mask(shape, _outline(kind, radius * scale, angle) + centre)
    return mask


def _distractors(rng: np.random.Generator, img: np.ndarray) -> None:
    """Background clutter in the object colours: thin scribbles and small dots."""
    h, w = img.shape[:2]
    for _ in range(rng.integers(1, 5)):
        colour = tuple(float(c) for c in _random_colour(rng))
        if rng.random() < 0.6:
            pts = np.cumsum(rng.uniform(-8, 8, (rng.integers(2, 4), 2)), 0)
            pts = pts + rng.uniform(0, [w, h])
            cv2.polylines(img, [np.round(pts).astype(np.int32)], False, colour, 1, cv2.LINE_AA)
        else:
            centre = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
            cv2.circle(img, centre, int(rng.integers(1, 3)), colour, -1, cv2.LINE_AA)


def render_shapes_scene(
    rng: np.random.Generator, height: int = 64, width: int = 64
) -> Tuple[np.ndarray, np.ndarray]:
    """One scene: (RGB uint8 image, uint8 trainId label map) with 2-5 objects over clutter.

    Each object is a class from :data:`_FREE_CLASSES` (uniform), a random radius, rotation,
    position and colour; later objects occlude earlier ones. A hollow object of radius >= 13 px
    holds, 70 % of the time, a small filled shape in its hole: that one is ``ENCLOSED``.
    """
    shape = (height, width)
    img = _background(rng, height, width)
    _distractors(rng, img)
    label = np.full(shape, BACKGROUND, np.uint8)
    for _ in range(rng.integers(2, 6)):
        cls = _FREE_CLASSES[rng.integers(len(_FREE_CLASSES))]
        radius = rng.uniform(9, 17)
        cx, cy = rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height
        angle = rng.uniform(0, 2 * np.pi)
        if cls in _HOLLOW:
            kind = _HOLLOW[cls]
            stroke = min(rng.uniform(3, 4.5), 0.6 * _inradius(kind, radius))
            mask = shape_mask(shape, kind, cx, cy, radius, angle, stroke)
        else:
            kind = _FILLED[cls]
            mask = shape_mask(shape, kind, cx, cy, radius, angle)
        _paint(rng, img, label, mask, cls)
        if cls in _HOLLOW and radius >= 13 and rng.random() < 0.7:
            inner = _FILLED[list(_FILLED)[rng.integers(len(_FILLED))]]
            small = rng.uniform(0.5, 0.8) * (_inradius(kind, radius) - stroke)
            inside = shape_mask(shape, inner, cx, cy, small, rng.uniform(0, 2 * np.pi))
            _paint(rng, img, label, inside, ENCLOSED)
    img = finish_image(rng, img, noise=(3, 10), brightness=(0.7, 1.2))
    return img, label


def shapes_stem(split: str, index: int) -> str:
    """``<city>_<seq>_<frame>`` as in Cityscapes."""
    cities = _CITIES[split]
    return f'{cities[index % len(cities)]}_{index // len(cities):06d}_000019'


def generate_shapes(
    root: str,
    num_train: int = 2000,
    num_val: int = 100,
    height: int = 64,
    width: int = 64,
    seed: int = 0,
    force: bool = False,
) -> GenerationReport:
    """Write ``leftImg8bit/{train,val}`` and ``gtFine/{train,val}`` (``*_labelTrainIds.png``)."""
    params = dict(num_train=num_train, num_val=num_val, height=height, width=width, seed=seed)
    counts = dict(train=num_train, val=num_val)

    def write() -> Dict[str, int]:
        for split, num in counts.items():
            for i in range(num):
                img, label = render_shapes_scene(item_rng(seed, split, i), height, width)
                write_cityscapes_pair(root, split, shapes_stem(split, i), img, label)
        return counts

    return write_dataset('shapes', root, params, ('leftImg8bit', 'gtFine'), force, write)
