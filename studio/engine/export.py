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


# Sampling options that also stand at the top level of an image's parameters, where the
# AUTOMATIC1111 `parameters` line reads them (option name -> parameter key).
A1111_OPTIONS = {"negative": "negative_prompt", "steps": "steps", "sampler": "sampler", "guidance": "guidance"}


def generation_params(provenance: Mapping[str, Any], *, seed: int, prompt: str | None, options: Mapping[str, Any],
                      image_size: int | None, version: str) -> dict[str, Any]:
    """What a generated image carries, the same from the CLI and the app: where it came from
    (family, run, checkpoint and its hash), seed, prompt and every sampling option."""
    params = {**provenance, "seed": int(seed), "prompt": prompt or "", "options": dict(options), "version": version,
              "width": image_size, "height": image_size}
    params.update({key: options[name] for name, key in A1111_OPTIONS.items() if options.get(name) not in (None, "")})
    return params


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



# -- animations and safe file names --------------------------------------------------------------
_ANIMATION_FORMATS = {".gif": "GIF", ".png": "PNG", ".apng": "PNG"}


def animation_bytes(frames, params: Mapping[str, Any] | None = None, fps: float = 10.0, fmt: str = "GIF") -> bytes:
    """Frames ((H, W, C) uint8, all one size) as an animated GIF or APNG that loops forever.

    The APNG carries the same `parameters` and `genstudio` chunks as save_png; the GIF
    carries the genstudio JSON as its comment. The last frame is held a second longer.
    """
    frames = [np.asarray(f) for f in frames]
    if not frames:
        raise ValueError("an animation needs at least one frame")
    if len({f.shape for f in frames}) > 1:
        raise ValueError(f"animation frames differ in size: {sorted({f.shape for f in frames})}")
    pictures = [to_pil(f) for f in frames]
    step_ms = max(20, int(round(1000.0 / max(fps, 0.1))))
    durations = [step_ms] * (len(pictures) - 1) + [step_ms + 1000]
    extra: dict[str, Any] = {}
    if params is not None and fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("parameters", a1111_parameters(params))
        info.add_text("genstudio", json.dumps(dict(params), sort_keys=True, default=str))
        extra["pnginfo"] = info
    elif params is not None:
        extra["comment"] = json.dumps(dict(params), sort_keys=True, default=str).encode("utf-8")
    buf = io.BytesIO()
    pictures[0].save(buf, format=fmt, save_all=True, append_images=pictures[1:], duration=durations, loop=0, **extra)
    return buf.getvalue()


def save_animation(path: Path, frames, params: Mapping[str, Any] | None = None, fps: float = 10.0) -> Path:
    """Write frames as an animated GIF (`.gif`) or APNG (`.png`, `.apng`), atomically."""
    path = Path(path)
    fmt = _ANIMATION_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path.name}: an animation is saved as .gif, .png or .apng, not {path.suffix or 'no extension'}")
    atomic_write_bytes(path, animation_bytes(frames, params, fps, fmt))
    return path


def free_path(path: Path) -> Path:
    """`path` if nothing is there yet, else the first free `stem-2.ext`, `stem-3.ext`, ... beside it."""
    path = Path(path)
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate
