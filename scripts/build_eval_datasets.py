"""Build two evaluation datasets unlike the demos (seeded, no downloads, Pillow + numpy only).

glyphs/    48x48 grayscale characters whose mirror images differ, one class folder per character,
           rendered from the system's TTF/OTF fonts (Pillow's built-in font when there are none),
           several sizes, small rotations and offsets.
textures/  64x64 RGB procedural textures (stripes, checkerboards, marble, wood, dots, gradients),
           no labels or captions.

    python scripts/build_eval_datasets.py --out DIR
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

CHARACTERS = "bdpqFGJKLNRSZ2347"
GLYPH_SIZE, PER_CHARACTER = 48, 120
TEXTURE_SIZE, TEXTURES = 64, 800


def _fonts() -> list[Path]:
    return sorted(p for p in Path("/usr/share/fonts").rglob("*") if p.suffix.lower() in (".ttf", ".otf"))[:12]


def _glyph(ch: str, font_path: Path | None, rng: np.random.Generator) -> Image.Image:
    size = int(rng.integers(26, 38))
    try:
        font = ImageFont.truetype(str(font_path), size) if font_path else ImageFont.load_default(size)
    except (OSError, TypeError):
        font = ImageFont.load_default()
    canvas = Image.new("L", (GLYPH_SIZE * 2, GLYPH_SIZE * 2), 0)
    ImageDraw.Draw(canvas).text((GLYPH_SIZE, GLYPH_SIZE), ch, fill=255, font=font, anchor="mm")
    canvas = canvas.rotate(float(rng.uniform(-12, 12)), resample=Image.BILINEAR)
    dx, dy = rng.integers(-4, 5, 2)
    left, top = GLYPH_SIZE // 2 + dx, GLYPH_SIZE // 2 + dy
    return canvas.crop((left, top, left + GLYPH_SIZE, top + GLYPH_SIZE))


def build_glyphs(folder: Path, seed: int = 0) -> int:
    rng = np.random.default_rng(seed)
    fonts = _fonts() or [None]
    count = 0
    for k, ch in enumerate(CHARACTERS):
        sub = folder / f"{k:02d}_{ch}"                   # case-insensitive file systems: b and B apart
        sub.mkdir(parents=True)
        for i in range(PER_CHARACTER):
            _glyph(ch, fonts[int(rng.integers(len(fonts)))], rng).save(sub / f"{i:04d}.png")
            count += 1
    return count


def _noise(rng: np.random.Generator, n: int, cells: int) -> np.ndarray:
    grid = rng.random((cells + 1, cells + 1))
    img = Image.fromarray((grid * 255).astype(np.uint8)).resize((n, n), Image.BICUBIC)
    return np.asarray(img, np.float32) / 255


def _texture(kind: int, rng: np.random.Generator, n: int = TEXTURE_SIZE) -> np.ndarray:
    yy, xx = np.mgrid[:n, :n].astype(np.float32) / n
    a, b = rng.random(3) * 255, rng.random(3) * 255
    angle, freq = rng.uniform(0, np.pi), rng.uniform(3, 10)
    u = xx * np.cos(angle) + yy * np.sin(angle)
    if kind == 0:                                        # stripes at an angle
        t = (np.sin(2 * np.pi * freq * u) > 0).astype(np.float32)
    elif kind == 1:                                      # checkerboard
        v = -xx * np.sin(angle) + yy * np.cos(angle)
        t = ((np.floor(u * freq) + np.floor(v * freq)) % 2).astype(np.float32)
    elif kind == 2:                                      # marble
        t = 0.5 + 0.5 * np.sin(2 * np.pi * freq * u + 6 * _noise(rng, n, 4))
    elif kind == 3:                                      # wood rings
        cx, cy = rng.uniform(-0.5, 1.5, 2)
        r = np.hypot(xx - cx, yy - cy)
        t = (r * freq * 2 + 2 * _noise(rng, n, 3)) % 1.0
    elif kind == 4:                                      # dots
        cell = 1 / freq
        fx, fy = (xx % cell) / cell - 0.5, (yy % cell) / cell - 0.5
        t = (np.hypot(fx, fy) < rng.uniform(0.2, 0.45)).astype(np.float32)
    else:                                                # gradient
        t = u / max(u.max(), 1e-6)
    return (a * (1 - t[..., None]) + b * t[..., None]).clip(0, 255).astype(np.uint8)


def build_textures(folder: Path, seed: int = 0) -> int:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    for i in range(TEXTURES):
        Image.fromarray(_texture(i % 6, rng), "RGB").save(folder / f"{i:04d}.png")
    return TEXTURES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, build in (("glyphs", build_glyphs), ("textures", build_textures)):
        temp = Path(tempfile.mkdtemp(dir=args.out, prefix=f".{name}-"))
        count = build(temp / name, args.seed)
        final = args.out / name
        if final.exists():
            shutil.rmtree(final)
        (temp / name).rename(final)
        temp.rmdir()
        print(f"{final}: {count} images")


if __name__ == "__main__":
    main()
