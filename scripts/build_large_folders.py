"""Build the two large folders that benchmarks/large_folders.py loads (issue 28, deliverable 5).

    .venv/bin/python scripts/build_large_folders.py [--out /tmp/genstudio-large] [--small 50000] [--photos 500]

- `small/`: 64x64 PNGs in 10 class sub-folders (a CIFAR-like dump): coloured shapes on a gradient.
- `photos/`: camera-size JPEGs (4000x3000, every fifth one portrait 3000x4000) at quality 90:
  smooth gradients, a few soft shapes and fine noise, so each file is a few MB as a camera's is.

Each image is drawn from its own seed, so a rebuild gives the same files; files already there are
kept (an interrupted build resumes). Uses every core (one process per core).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SMALL_SIDE = 64
SMALL_CLASSES = 10
PHOTO_SIZE = (4000, 3000)


def small_image(index: int) -> Image.Image:
    rng = np.random.default_rng(index)
    ramp = np.linspace(0, 1, SMALL_SIDE, dtype=np.float32)
    a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    pixels = (a * (1 - ramp[:, None, None]) + b * ramp[:, None, None]) * np.ones((1, SMALL_SIDE, 1))
    im = Image.fromarray(pixels.astype(np.uint8))
    draw = ImageDraw.Draw(im)
    for _ in range(int(rng.integers(1, 4))):
        x0, y0 = rng.integers(0, SMALL_SIDE - 16, 2)
        w, h = rng.integers(8, 32, 2)
        box = (int(x0), int(y0), int(x0 + w), int(y0 + h))
        fill = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=fill)
    return im


def photo_image(index: int) -> Image.Image:
    rng = np.random.default_rng(100_000 + index)
    w, h = PHOTO_SIZE if index % 5 else PHOTO_SIZE[::-1]
    # Structure drawn at 1/8 scale and blown up (soft, like a photo), then fine grain at full size.
    sw, sh = w // 8, h // 8
    y = np.linspace(0, 1, sh, dtype=np.float32)[:, None, None]
    x = np.linspace(0, 1, sw, dtype=np.float32)[None, :, None]
    top, bottom, side = (rng.uniform(0, 255, 3).astype(np.float32) for _ in range(3))
    base = top * (1 - y) + bottom * y + (side - 128) * 0.3 * x
    small = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(small)
    for _ in range(int(rng.integers(4, 10))):
        cx, cy = rng.uniform(0, sw), rng.uniform(0, sh)
        r = rng.uniform(sw * 0.03, sw * 0.25)
        fill = tuple(int(c) for c in rng.integers(0, 256, 3))
        draw.ellipse((cx - r, cy - r * rng.uniform(0.5, 1.5), cx + r, cy + r), fill=fill)
    small = small.filter(ImageFilter.GaussianBlur(2))
    big = np.asarray(small.resize((w, h), Image.Resampling.BILINEAR))
    grain = rng.integers(-6, 7, size=(h, w, 1), dtype=np.int16)          # luminance grain, as a sensor's
    return Image.fromarray(np.clip(big.astype(np.int16) + grain, 0, 255).astype(np.uint8))


def write_small(args) -> int:
    folder, start, stop = args
    for i in range(start, stop):
        path = Path(folder) / f"class{i % SMALL_CLASSES}" / f"{i:06d}.png"
        if not path.exists():
            small_image(i).save(path)
    return stop - start


def write_photo(args) -> int:
    folder, index = args
    path = Path(folder) / f"IMG_{index:04d}.jpg"
    if not path.exists():
        tmp = path.with_suffix(".part")
        photo_image(index).save(tmp, format="JPEG", quality=90)
        os.replace(tmp, path)
    return 1


def build(out: Path, small: int, photos: int, jobs: int) -> None:
    small_dir, photo_dir = out / "small", out / "photos"
    for k in range(SMALL_CLASSES):
        (small_dir / f"class{k}").mkdir(parents=True, exist_ok=True)
    photo_dir.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        started = time.perf_counter()
        chunks = [(str(small_dir), s, min(s + 500, small)) for s in range(0, small, 500)]
        done = sum(pool.map(write_small, chunks))
        print(f"{small_dir}: {done:,} images of {SMALL_SIDE}x{SMALL_SIDE} in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        done = 0
        for n in pool.map(write_photo, [(str(photo_dir), i) for i in range(photos)]):
            done += n
            if done % 50 == 0:
                print(f"  {done}/{photos} photos, {time.perf_counter() - started:.0f} s", flush=True)
        mb = sum(p.stat().st_size for p in photo_dir.glob("*.jpg")) / 1e6
        print(f"{photo_dir}: {done} photos of {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} ({mb:,.0f} MB) "
              f"in {time.perf_counter() - started:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/genstudio-large"))
    parser.add_argument("--small", type=int, default=50_000, help="how many small images")
    parser.add_argument("--photos", type=int, default=500, help="how many camera-size JPEGs")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    build(args.out, args.small, args.photos, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
