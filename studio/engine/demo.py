"""Built-in demo datasets, drawn with PIL on first use: no download, same pixels every time.

`demo_path(name)` returns the folder of a demo set under `studio.paths.demo_dir()`,
generating it first if needed. Generation builds the set in a hidden temporary
folder beside the final one and renames it into place, so a folder named
`<name>-v1` is always complete: an interrupted or concurrent generation leaves
at most a temporary folder, which a later call removes once it is stale.

Every picture is drawn at 4x and reduced (`Image.reduce`, a box filter), which
anti-aliases the edges.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from PIL import Image, ImageDraw

from studio import paths
from studio.engine.data import DatasetError
from studio.engine.messages import os_reason

DEMO_VERSION = 1     # bump when the drawing changes: a new folder name, old caches stay valid
_SUPERSAMPLE = 4
_STALE_TEMP_S = 3600

DEMOS: dict[str, str] = {
    "shapes": "2,000 colour shapes, 64x64: circles, squares, triangles and stars in six colours and two sizes; "
    "captions such as 'small red circle', labels are the shape",
    "digits": "2,000 handwritten-style digits 0-9, 32x32 grayscale, in class folders 0/ to 9/ (labels)",
    "faces": "1,600 cartoon faces, 64x64: smiling or frowning, four colours, big or small eyes; "
    "captions such as 'smiling yellow face with big eyes'",
}

# (relative path, image, caption or None) for each picture of a set, in order
_Item = tuple[str, Image.Image, "str | None"]


def demo_names() -> tuple[str, ...]:
    return tuple(DEMOS)


def demo_path(
    name: str,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path:
    """The folder of demo set `name`, generated on first use; progress(done, total) while drawing."""
    if name not in DEMOS:
        raise DatasetError("demo.unknown", name=name, choices=", ".join(DEMOS))
    parent = paths.demo_dir()
    folder = parent / f"{name}-v{DEMO_VERSION}"
    if folder.is_dir():
        return folder
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(parent, folder.name)
        temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=parent))
    except OSError as e:
        raise DatasetError("demo.cannot_create", path=parent, reason=os_reason(e)) from None
    try:
        _GENERATORS[name](temp, progress, cancel)
        os.rename(temp, folder)                   # atomic; fails when another generation got there first
    except OSError as e:
        shutil.rmtree(temp, ignore_errors=True)
        if folder.is_dir():
            return folder
        raise DatasetError("demo.cannot_write", name=name, path=parent, reason=os_reason(e)) from None
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return folder


def _remove_stale_temps(parent: Path, final_name: str) -> None:
    """Temp folders of generations that died an hour or more ago (a live one is never that old)."""
    for temp in parent.glob(f".{final_name}.tmp-*"):
        try:
            if time.time() - temp.stat().st_mtime > _STALE_TEMP_S:
                shutil.rmtree(temp, ignore_errors=True)
        except OSError:
            pass


def _write_set(folder: Path, items: Iterator[_Item], total: int, readme: str, progress, cancel) -> None:
    captions = []
    for done, (rel, image, caption) in enumerate(items, 1):
        if cancel is not None and cancel():
            raise DatasetError("demo.cancelled", path=folder)
        path = folder / rel
        path.parent.mkdir(exist_ok=True)
        image.save(path, compress_level=1)
        if caption is not None:
            captions.append({"file_name": rel, "text": caption})
        if progress is not None and (done % 50 == 0 or done == total):
            progress(done, total)
    if captions:
        lines = (json.dumps(c, ensure_ascii=False) for c in captions)
        (folder / "metadata.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "README.txt").write_text(readme, encoding="utf-8")


def _readme(name: str, details: str) -> str:
    return (
        f"genstudio demo dataset '{name}' (version {DEMO_VERSION})\n\n{DEMOS[name]}.\n\n{details}\n\n"
        "Drawn by genstudio with a fixed random seed; delete this folder and it is drawn again, identically.\n"
    )


def _polygon(cx: float, cy: float, radii: list[float], turn: float) -> list[tuple[float, float]]:
    """Vertices at equal angles from the top, each at its own radius, turned by `turn` radians."""
    n = len(radii)
    return [
        (cx + r * math.cos(turn - math.pi / 2 + 2 * math.pi * k / n), cy + r * math.sin(turn - math.pi / 2 + 2 * math.pi * k / n))
        for k, r in enumerate(radii)
    ]


# --- shapes --------------------------------------------------------------------------------------

_SHAPE_COLOURS = {
    "red": (215, 45, 40),
    "green": (45, 160, 65),
    "blue": (40, 85, 215),
    "yellow": (235, 190, 20),
    "purple": (135, 60, 175),
    "orange": (240, 125, 25),
}
_SHAPES = ("circle", "square", "triangle", "star")
_SHAPE_COUNT = 2000


def _draw_shape(rng: np.random.Generator, shape: str, colour: str, large: bool) -> Image.Image:
    side = 64 * _SUPERSAMPLE
    background = tuple(int(v) for v in rng.integers(222, 252, size=3))
    image = Image.new("RGB", (side, side), background)
    radius = rng.uniform(64, 84) if large else rng.uniform(28, 40)
    margin = radius * 1.2 + 6
    cx, cy = rng.uniform(margin, side - margin, size=2)
    turn = math.radians(rng.uniform(-20, 20))
    fill = tuple(int(np.clip(v + rng.integers(-15, 16), 0, 255)) for v in _SHAPE_COLOURS[colour])
    draw = ImageDraw.Draw(image)
    if shape == "circle":
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=fill)
    elif shape == "square":
        draw.polygon(_polygon(cx, cy, [radius * 1.1] * 4, turn + math.pi / 4), fill=fill)
    elif shape == "triangle":
        draw.polygon(_polygon(cx, cy + radius * 0.15, [radius * 1.25] * 3, turn), fill=fill)
    else:
        draw.polygon(_polygon(cx, cy, [radius * 1.2, radius * 0.5] * 5, turn), fill=fill)
    return image.reduce(_SUPERSAMPLE)


def _shape_items(rng: np.random.Generator) -> Iterator[_Item]:
    colours = tuple(_SHAPE_COLOURS)
    for i in range(_SHAPE_COUNT):
        # Cycle through every (shape, colour, size) so the 48 combinations are balanced.
        shape, colour, large = _SHAPES[i % 4], colours[(i // 4) % 6], (i // 24) % 2 == 1
        image = _draw_shape(rng, shape, colour, large)
        size_word = "large" if large else "small"
        caption = f"{size_word} {colour} {shape}" if rng.random() < 2 / 3 else f"{colour} {shape}"
        yield f"{shape}/{shape}-{i:04d}.png", image, caption


def _generate_shapes(folder: Path, progress, cancel) -> None:
    details = (
        "Layout: <shape>/<shape>-NNNN.png (the folder is the label) and metadata.jsonl "
        "(file_name, text) with captions '<size> <colour> <shape>' or, for a third of them, '<colour> <shape>'.\n"
        f"Shapes: {', '.join(_SHAPES)}. Colours: {', '.join(_SHAPE_COLOURS)}. Sizes: small, large."
    )
    rng = np.random.default_rng(1001)
    _write_set(folder, _shape_items(rng), _SHAPE_COUNT, _readme("shapes", details), progress, cancel)


# --- digits --------------------------------------------------------------------------------------


def _arc(cx, cy, rx, ry, start, end, steps=14) -> list[tuple[float, float]]:
    """Points on an ellipse from `start` to `end` degrees (0 = right, 90 = down: y grows downwards)."""
    angles = np.radians(np.linspace(start, end, steps))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


# Each digit is a few pen strokes in a unit box (x right, y down); some digits have two ways to write them.
_DIGIT_STROKES: dict[int, list[list[list[tuple[float, float]]]]] = {
    0: [[_arc(0.5, 0.5, 0.3, 0.45, -90, 270, 24)]],
    1: [[[(0.35, 0.2), (0.55, 0.05), (0.55, 0.95)]], [[(0.5, 0.05), (0.5, 0.95)]]],
    2: [[_arc(0.5, 0.3, 0.28, 0.25, 180, 400) + [(0.2, 0.95), (0.82, 0.95)]]],
    3: [[_arc(0.48, 0.28, 0.27, 0.23, 200, 450) + _arc(0.48, 0.72, 0.3, 0.24, 270, 520)[1:]]],
    4: [[[(0.65, 0.95), (0.65, 0.05), (0.15, 0.68), (0.85, 0.68)]], [[(0.3, 0.05), (0.2, 0.6), (0.85, 0.6)], [(0.68, 0.3), (0.68, 0.95)]]],
    5: [[[(0.78, 0.05), (0.3, 0.05), (0.25, 0.45)] + _arc(0.48, 0.68, 0.3, 0.27, 235, 520)]],
    6: [[_arc(0.55, 0.55, 0.33, 0.45, 290, 150) + _arc(0.5, 0.72, 0.28, 0.23, 180, 540, 24)]],
    7: [[[(0.15, 0.05), (0.85, 0.05), (0.4, 0.95)]], [[(0.15, 0.05), (0.85, 0.05), (0.4, 0.95)], [(0.35, 0.5), (0.75, 0.5)]]],
    8: [[_arc(0.5, 0.27, 0.23, 0.22, 90, 450, 20), _arc(0.5, 0.71, 0.28, 0.24, -90, 270, 20)]],
    9: [[_arc(0.5, 0.3, 0.28, 0.25, 0, 360, 24) + [(0.75, 0.95)]]],
}
_DIGIT_COUNT = 2000
_DIGIT_SIDE = 32


def _draw_digit(rng: np.random.Generator, digit: int) -> Image.Image:
    variants = _DIGIT_STROKES[digit]
    strokes = variants[int(rng.integers(len(variants)))]
    side = _DIGIT_SIDE * _SUPERSAMPLE
    # A random affine map: rotation, shear, squash, scale, shift (unit box -> canvas pixels).
    angle, shear = math.radians(rng.uniform(-12, 12)), rng.uniform(-0.25, 0.25)
    scale = side * rng.uniform(0.58, 0.7)                  # leaves a dark margin, as in MNIST
    sx, sy = scale * rng.uniform(0.75, 1.05), scale
    matrix = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]) @ np.array(
        [[sx, shear * sy], [0.0, sy]]
    )
    centre = side / 2 + rng.uniform(-0.04, 0.04, size=2) * side
    width = int(rng.uniform(2.0, 3.6) * _SUPERSAMPLE)
    ink = int(rng.integers(200, 256))
    image = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        points = np.asarray(stroke) - 0.5 + rng.normal(0, 0.015, size=(len(stroke), 2))
        xy = [tuple(p) for p in points @ matrix.T + centre]
        draw.line(xy, fill=ink, width=width, joint="curve")
        for x, y in (xy[0], xy[-1]):              # round pen tips
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=ink)
    return image.reduce(_SUPERSAMPLE)


def _digit_items(rng: np.random.Generator) -> Iterator[_Item]:
    for i in range(_DIGIT_COUNT):
        digit = i % 10
        yield f"{digit}/{digit}-{i // 10:03d}.png", _draw_digit(rng, digit), None


def _generate_digits(folder: Path, progress, cancel) -> None:
    details = (
        "Layout: <digit>/<digit>-NNN.png, 200 per digit; the folder is the label. "
        "White strokes on black, 8-bit grayscale PNG; no captions."
    )
    rng = np.random.default_rng(2002)
    _write_set(folder, _digit_items(rng), _DIGIT_COUNT, _readme("digits", details), progress, cancel)


# --- faces ---------------------------------------------------------------------------------------

_FACE_COLOURS = {"yellow": (245, 200, 40), "green": (110, 190, 90), "blue": (90, 150, 230), "pink": (240, 140, 170)}
_FACE_COUNT = 1600


def _draw_face(rng: np.random.Generator, colour: str, smiling: bool, big_eyes: bool) -> Image.Image:
    k = _SUPERSAMPLE
    side = 64 * k
    background = tuple(int(v) for v in rng.integers(225, 252, size=3))
    image = Image.new("RGB", (side, side), background)
    draw = ImageDraw.Draw(image)
    r = rng.uniform(22, 27) * k
    cx, cy = side / 2 + rng.uniform(-3, 3, size=2) * k
    fill = tuple(int(np.clip(v + rng.integers(-15, 16), 0, 255)) for v in _FACE_COLOURS[colour])
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill, outline=(40, 30, 30), width=int(1.5 * k))
    eye_r = r * (rng.uniform(0.17, 0.21) if big_eyes else rng.uniform(0.07, 0.1))
    eye_dx, eye_y = r * rng.uniform(0.33, 0.42), cy - r * rng.uniform(0.2, 0.3)
    for ex in (cx - eye_dx, cx + eye_dx):
        draw.ellipse((ex - eye_r, eye_y - eye_r, ex + eye_r, eye_y + eye_r), fill=(30, 25, 25))
    mouth_w, mouth_h = r * rng.uniform(0.45, 0.6), r * rng.uniform(0.22, 0.32)
    mouth_y = cy + r * (0.2 if smiling else 0.45)
    box = (cx - mouth_w, mouth_y - mouth_h, cx + mouth_w, mouth_y + mouth_h)
    start, end = (20, 160) if smiling else (200, 340)
    draw.arc(box, start, end, fill=(40, 25, 25), width=int(rng.uniform(1.8, 2.6) * k))
    return image.reduce(k)


def _face_items(rng: np.random.Generator) -> Iterator[_Item]:
    colours = tuple(_FACE_COLOURS)
    for i in range(_FACE_COUNT):
        colour, smiling, big_eyes = colours[i % 4], (i // 4) % 2 == 0, (i // 8) % 2 == 0
        mood = "smiling" if smiling else "frowning"
        caption = f"{mood} {colour} face with {'big' if big_eyes else 'small'} eyes"
        yield f"face-{i:04d}.png", _draw_face(rng, colour, smiling, big_eyes), caption


def _generate_faces(folder: Path, progress, cancel) -> None:
    details = (
        "Layout: face-NNNN.png and metadata.jsonl (file_name, text) with captions "
        "'<smiling|frowning> <colour> face with <big|small> eyes'; no labels.\n"
        f"Colours: {', '.join(_FACE_COLOURS)}. 100 images for each of the 16 combinations."
    )
    rng = np.random.default_rng(3003)
    _write_set(folder, _face_items(rng), _FACE_COUNT, _readme("faces", details), progress, cancel)


_GENERATORS = {"shapes": _generate_shapes, "digits": _generate_digits, "faces": _generate_faces}
