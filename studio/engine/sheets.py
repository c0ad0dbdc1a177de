"""Pictures drawn with Pillow: contact sheets (a grid of images, each with a caption under it, and a
title line on top) and the training-curve chart of a model card.

Text is drawn with Pillow. A caption or title too long for its cell is cut and ends in
"…": nothing overflows into the neighbouring cell. Small images (a 32-pixel model) are
enlarged by a whole factor with nearest-neighbour, so their pixels stay crisp.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from studio.engine.export import save_png

ELLIPSIS = "…"
MAX_CAPTION_LINES = 3
# Fonts tried first, for captions in scripts Pillow's built-in font lacks (Chinese prompts, ...).
_FONT_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "wqy-microhei.ttc", "DejaVuSans.ttf",
               "Arial Unicode.ttf", "msyh.ttc", "arial.ttf")


@lru_cache(maxsize=8)
def sheet_font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """A scalable font of `size` pixels: a system font with wide coverage if one is installed, else Pillow's own."""
    for name in _FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def elide(text: str, font, width: float) -> str:
    """`text` cut to fit `width` pixels, ending in "…" when it was cut."""
    text = " ".join(str(text).split())           # one line: newlines and runs of spaces become one space
    if font.getlength(text) <= width:
        return text
    low, high = 0, len(text)                      # the longest prefix that fits with the ellipsis
    while low < high:
        mid = (low + high + 1) // 2
        if font.getlength(text[:mid].rstrip() + ELLIPSIS) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ELLIPSIS if low else (ELLIPSIS if font.getlength(ELLIPSIS) <= width else "")


def _cell_scale(images: Sequence[np.ndarray], min_side: int) -> int:
    side = max(max(image.shape[:2]) for image in images)
    return max(1, -(-min_side // side))


def _as_rgb(image: np.ndarray) -> Image.Image:
    image = np.ascontiguousarray(image)
    if image.ndim == 2 or image.shape[2] == 1:
        return Image.fromarray(image.reshape(image.shape[:2]), mode="L").convert("RGB")
    return Image.fromarray(image[:, :, :3], mode="RGB")


def contact_sheet(images: Sequence[np.ndarray], captions: Sequence[str], title: str = "", *,
                  columns: int | None = None, min_cell: int = 128, font_size: int = 13) -> np.ndarray:
    """Images ((H, W, C) uint8) with a caption under each -> one (H', W', 3) uint8 sheet.

    A caption may hold up to three lines (split on newlines); each is elided to the cell width.
    """
    if not len(images):
        raise ValueError("a contact sheet needs at least one image")
    if len(captions) != len(images):
        raise ValueError(f"{len(images)} images but {len(captions)} captions")
    scale = _cell_scale(images, min_cell)
    cell_w = max(image.shape[1] for image in images) * scale
    cell_h = max(image.shape[0] for image in images) * scale
    columns = columns or max(1, min(len(images), int(np.ceil(np.sqrt(len(images))))))
    rows = -(-len(images) // columns)
    font, title_font = sheet_font(font_size), sheet_font(font_size + 5)
    line_h = font_size + 4
    lines = [str(c).splitlines()[:MAX_CAPTION_LINES] for c in captions]
    caption_h = line_h * max(1, max(len(ls) for ls in lines)) + 6
    pad, title_h = 10, (font_size + 5 + 16) if title else 0
    width = pad + columns * (cell_w + pad)
    height = title_h + pad + rows * (cell_h + caption_h + pad)
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((pad, pad), elide(title, title_font, width - 2 * pad), fill=(20, 20, 20), font=title_font)
    for i, (image, caption_lines) in enumerate(zip(images, lines)):
        row, col = divmod(i, columns)
        x, y = pad + col * (cell_w + pad), title_h + pad + row * (cell_h + caption_h + pad)
        picture = _as_rgb(image)
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)
        px, py = x + (cell_w - picture.width) // 2, y + (cell_h - picture.height) // 2
        sheet.paste(picture, (px, py))
        draw.rectangle([px - 1, py - 1, px + picture.width, py + picture.height], outline=(200, 200, 200))
        for k, line in enumerate(caption_lines):
            colour = (30, 30, 30) if k == 0 else (110, 110, 110)
            draw.text((x, y + cell_h + 4 + k * line_h), elide(line, font, cell_w), fill=colour, font=font)
    return np.asarray(sheet)


def save_contact_sheet(path: Path, images: Sequence[np.ndarray], captions: Sequence[str], title: str = "",
                       params: Mapping[str, Any] | None = None, **layout) -> Path:
    """Write a contact sheet as a PNG (atomically) that carries `params`, and its title and captions."""
    sheet = contact_sheet(images, captions, title, **layout)
    meta = {**(params or {}), "kind": "contact_sheet", "title": title, "captions": [str(c) for c in captions]}
    return save_png(Path(path), sheet, meta)


# -- the training curve, drawn with Pillow ----------------------------------------------------------
_CURVE_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]


def _smooth(values: np.ndarray, weight: float = 0.9) -> np.ndarray:
    out, average = np.empty_like(values), values[0]
    for i, v in enumerate(values):
        average = weight * average + (1 - weight) * v
        out[i] = average
    return out


def _curves(metrics: list[dict]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{label: (steps, values)}: the training loss (smoothed) and the validation loss."""
    out = {}
    for kind, label in (("train", "training {} (smoothed)"), ("val", "validation {}")):
        records = [r for r in metrics if r.get("kind", "train") == kind]
        keys = sorted({k for r in records for k, v in r.items() if k not in ("kind", "step", "epoch", "seconds",
                                                                               "images_per_sec", "lr", "beta")
                       and isinstance(v, (int, float))})
        keys = ["loss"] if "loss" in keys else keys          # the total; its parts have other scales
        for key in keys:
            points = [(r["step"], r[key]) for r in records if isinstance(r.get(key), (int, float))
                      and np.isfinite(r[key]) and isinstance(r.get("step"), int)]
            if points:
                steps, values = map(np.asarray, zip(*points))
                out[label.format(key)] = (steps, _smooth(values.astype(float)) if kind == "train" else values)
    return out


def training_curve(metrics: list[dict], size: tuple[int, int] = (640, 360)) -> np.ndarray:
    """The losses of a run's metrics over the steps, as an (H, W, 3) uint8 chart."""
    width, height = size
    picture = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(picture)
    font = sheet_font(12)
    curves = list(_curves(metrics).items())[:len(_CURVE_COLOURS)]
    left, right, top, bottom = 60, width - 16, 16, height - 40
    draw.rectangle([left, top, right, bottom], outline=(120, 120, 120))
    if not curves:
        draw.text((left + 10, top + 10), "no training history", fill=(90, 90, 90), font=font)
        return np.asarray(picture)
    all_steps = np.concatenate([s for _, (s, _) in curves])
    all_values = np.concatenate([v for _, (_, v) in curves])
    s0, s1 = float(all_steps.min()), float(max(all_steps.max(), all_steps.min() + 1))
    v0, v1 = np.percentile(all_values, [0, 99]) if len(all_values) > 20 else (all_values.min(), all_values.max())
    v0, v1 = float(v0), float(max(v1, v0 + 1e-6))
    xs = lambda s: left + (s - s0) / (s1 - s0) * (right - left)                    # noqa: E731
    ys = lambda v: bottom - (np.clip(v, v0, v1) - v0) / (v1 - v0) * (bottom - top)   # noqa: E731
    for value in np.linspace(v0, v1, 5):
        draw.text((4, ys(value) - 7), f"{value:.3g}", fill=(90, 90, 90), font=font)
    for step in np.linspace(s0, s1, 5):
        draw.text((xs(step) - 12, bottom + 4), f"{int(step):,}", fill=(90, 90, 90), font=font)
    draw.text(((left + right) // 2 - 15, bottom + 20), "step", fill=(90, 90, 90), font=font)
    for k, (label, (steps, values)) in enumerate(curves):
        colour = _CURVE_COLOURS[k]
        points = list(zip(xs(steps.astype(float)), ys(values)))
        if len(points) > 1:
            draw.line(points, fill=colour, width=2)
        else:
            x, y = points[0]
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
        draw.text((right - 200, top + 6 + 16 * k), label, fill=colour, font=font)
    return np.asarray(picture)
