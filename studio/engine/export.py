"""Images leaving the engine: grids and PNGs that carry their generation parameters.

PNG metadata follows CONVENTIONS.md: an AUTOMATIC1111-compatible `parameters`
text chunk and a `genstudio` chunk holding the full JSON.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from PIL import Image, PngImagePlugin

from studio.engine.checkpoint import atomic_write_bytes


def make_grid(images: np.ndarray, ncols: int | None = None, padding: int = 2, pad_value: int = 255) -> np.ndarray:
    """(N, H, W, C) uint8 -> one (H', W', C) uint8 mosaic, row-major."""
    n, h, w, c = images.shape
    ncols = ncols or max(1, int(np.ceil(np.sqrt(n))))
    nrows = max(1, -(-n // ncols))
    grid = np.full((nrows * (h + padding) + padding, ncols * (w + padding) + padding, c), pad_value, np.uint8)
    for i in range(n):
        r, col = divmod(i, ncols)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y:y + h, x:x + w] = images[i]
    return grid


def frame_grid(images: np.ndarray, extras: Mapping[str, np.ndarray] = {}, ncols: int = 8) -> np.ndarray:
    """A Frame as one picture: each extras set as its own rows first, then the images."""
    parts = [np.asarray(v) for v in extras.values()] + [images]
    rows = [make_grid(p, ncols=ncols) for p in parts]
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    return np.concatenate(rows, axis=0)


def to_pil(image: np.ndarray) -> Image.Image:
    image = np.ascontiguousarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        return Image.fromarray(image[:, :, 0], mode="L")
    return Image.fromarray(image, mode="RGB")


def _a1111_value(value: Any) -> str:
    text = str(value)
    return json.dumps(text) if any(ch in text for ch in ",:\n") else text


def a1111_parameters(params: Mapping[str, Any]) -> str:
    """The AUTOMATIC1111 `parameters` text for generation parameters."""
    lines = [str(params.get("prompt") or "")]
    if params.get("negative_prompt"):
        lines.append(f"Negative prompt: {params['negative_prompt']}")
    fields = {
        "Steps": params.get("steps"), "Sampler": params.get("sampler"),
        "CFG scale": params.get("guidance"), "Seed": params.get("seed"),
        "Size": f"{params['width']}x{params['height']}" if "width" in params else None,
        "Model hash": params.get("checkpoint_hash"), "Model": params.get("model"),
        "Version": f"genstudio {params.get('version', '')}".strip(),
    }
    lines.append(", ".join(f"{k}: {_a1111_value(v)}" for k, v in fields.items() if v not in (None, "")))
    return "\n".join(lines)


def png_bytes(image: np.ndarray, params: Mapping[str, Any] | None = None) -> bytes:
    info = None
    if params is not None:
        info = PngImagePlugin.PngInfo()
        info.add_text("parameters", a1111_parameters(params))
        info.add_text("genstudio", json.dumps(dict(params), sort_keys=True, default=str))
    buf = io.BytesIO()
    to_pil(image).save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def save_png(path: Path, image: np.ndarray, params: Mapping[str, Any] | None = None) -> Path:
    """Write one (H, W, C) uint8 image as PNG (atomically), with parameters embedded."""
    atomic_write_bytes(Path(path), png_bytes(image, params))
    return Path(path)


def read_png_parameters(path: Path) -> dict[str, Any] | None:
    """The genstudio JSON of a PNG written by save_png, or None."""
    with Image.open(path) as im:
        text = im.text.get("genstudio") if hasattr(im, "text") else None
    return json.loads(text) if text else None

