"""Synthetic ray-cast rooms in the NYU-Depth-v2 layout, for monocular depth.

``images/<split>/<scene>_<id>.jpg`` and ``annotations/<split>/<scene>_<id>.png`` (uint16
millimetres), as mmseg's ``NYUDataset`` reads them.
"""

import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Tuple

import cv2
import numpy as np

from .common import (
    JPG_PARAMS,
    PNG_PARAMS,
    GenerationReport,
    finish_image,
    imwrite,
    item_rng,
    write_dataset,
)

NYU_SCENES: Tuple[str, ...] = (
    'printer_room',
    'bathroom',
    'living_room',
    'study',
    'conference_room',
    'study_room',
    'kitchen',
    'home_office',
    'bedroom',
    'dinette',
    'playroom',
    'indoor_balcony',
    'laundry_room',
    'basement',
    'excercise_room',
    'foyer',
    'home_storage',
    'cafe',
    'furniture_store',
    'office_kitchen',
    'student_lounge',
    'dining_room',
    'reception_room',
    'computer_lab',
    'classroom',
    'office',
    'bookstore',
)  # mmseg's NYUDataset.METAINFO['classes'], in its order (typo 'excercise' kept)
_ROOM_SCALE = {
    'bathroom': 0.6,
    'laundry_room': 0.6,
    'home_storage': 0.6,
    'printer_room': 0.7,
    'foyer': 0.8,
    'conference_room': 1.3,
    'classroom': 1.4,
    'cafe': 1.3,
    'bookstore': 1.3,
    'furniture_store': 1.4,
    'computer_lab': 1.3,
    'basement': 1.2,
}
NYU_MIN_DEPTH, NYU_MAX_DEPTH = 0.5, 10.0  # metres
_NYU_FOCAL_640 = 518.8  # NYU-v2 Kinect focal length in pixels at 640x480


def _hash01(ids: np.ndarray, salt: int) -> np.ndarray:
    """Deterministic pseudo-random value in [0, 1) per integer id (e.g. per floor plank)."""
    x = (ids.astype(np.int64) * 2654435761 + salt * 40503) % (2**32)
    x = (x ^ (x >> 13)) * 1274126177 % (2**32)
    return (x % 10007) / 10007.0


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
        lo = np.array(
            [
                rng.uniform(-left, width - left - size[0]),
                0.0,
                rng.uniform(1.2, max(1.3, back - size[2])),
            ]
        )
        size[1] = min(size[1], 0.5 + 0.4 * lo[2])  # no wall-sized box right in front of the lens
        boxes.append((lo, lo + size))
    return _Room(
        left=left,
        right=width - left,
        back=back,
        ceiling=rng.uniform(2.4, 3.2),
        cam_height=rng.uniform(1.0, 1.6),
        boxes=boxes,
    )


def _cast(
    rays: np.ndarray, origin: np.ndarray, room: _Room
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest hit per ray: (depth, surface id, normal). Ids: 0 floor, 1 ceiling, 2/3 left/right
    wall, 4 back wall, 5+ boxes."""
    planes = [
        (1, 0.0, (0, 1, 0)),
        (1, room.ceiling, (0, -1, 0)),
        (0, -room.left, (1, 0, 0)),
        (0, room.right, (-1, 0, 0)),
        (2, room.back, (0, 0, -1)),
    ]
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
        np.put_along_axis(
            n, axis[..., None], -np.sign(np.take_along_axis(rays, axis[..., None], -1)), -1
        )
        depth[hit], surface[hit], normal[hit] = near[hit], 5 + bid, n[hit]
    return depth, surface, normal


def _albedo(
    rng: np.random.Generator, points: np.ndarray, surface: np.ndarray, num_boxes: int
) -> np.ndarray:
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
    stripes = 1 + (
        0.12 * ((along / rng.uniform(0.12, 0.4)) % 1.0 < 0.5) if rng.random() < 0.5 else 0.0
    )
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


def _draw_pictures(
    rng: np.random.Generator, points: np.ndarray, surface: np.ndarray, albedo: np.ndarray
) -> None:
    """Framed pictures on the back wall: strong image edges that are NOT depth edges."""
    x, y = points[..., 0], points[..., 1]
    for _ in range(rng.integers(0, 3)):
        x0, y0 = rng.uniform(-2.5, 2.0), rng.uniform(1.0, 1.8)
        m = (
            (surface == 4)
            & (x > x0)
            & (x < x0 + rng.uniform(0.3, 1.0))
            & (y > y0)
            & (y < y0 + rng.uniform(0.3, 0.7))
        )
        albedo[m] = rng.uniform(0.05, 0.95, 3)


def _shade(
    rng: np.random.Generator,
    albedo: np.ndarray,
    points: np.ndarray,
    normal: np.ndarray,
    rays: np.ndarray,
    depth: np.ndarray,
    room: _Room,
) -> np.ndarray:
    """Ambient + Lambertian ceiling lamp with distance fall-off + a weak light at the camera
    (shows the orientation of faces turned away from the lamp) + mild darkening with depth."""
    lamp = np.array(
        [
            rng.uniform(-room.left, room.right) * 0.6,
            room.ceiling - 0.05,
            rng.uniform(0.3, 0.8) * room.back,
        ]
    )
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
        cv2.circle(
            depth_mm, (int(rng.integers(w)), int(rng.integers(h))), int(rng.integers(1, 4)), 0, -1
        )


def render_indoor_scene(
    rng: np.random.Generator, scene: str = 'bedroom', height: int = 96, width: int = 128
) -> Tuple[np.ndarray, np.ndarray]:
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
    img = finish_image(rng, img, noise=(2, 5), brightness=(0.8, 1.2))
    depth_mm = np.rint(np.clip(depth, NYU_MIN_DEPTH, NYU_MAX_DEPTH) * 1000).astype(np.uint16)
    _invalidate(rng, depth_mm)
    return img, depth_mm


def generate_nyu(
    root: str,
    num_train: int = 300,
    num_test: int = 50,
    height: int = 96,
    width: int = 128,
    seed: int = 0,
    force: bool = False,
) -> GenerationReport:
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
                imwrite(osp.join(root, 'images', split, f'{stem}.jpg'), img, JPG_PARAMS)
                imwrite(osp.join(root, 'annotations', split, f'{stem}.png'), depth, PNG_PARAMS)
            offset += num
        return counts

    return write_dataset('nyu', root, params, ('images', 'annotations'), force, write)
