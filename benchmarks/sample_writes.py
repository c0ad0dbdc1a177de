"""Writing `genstudio sample`'s images: one atomic save_image per image against save_images (the same files,
encoded and written on a few threads, each folder fsync'ed once), alternating, on the same 500 16 px images.

    .venv/bin/python benchmarks/sample_writes.py [--n 500] [--size 16] [--repeats 3]

Times are only comparable side by side within one run (the machine and its disk may be shared).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import cpu_name                                   # noqa: E402
from studio.engine.export import save_image, save_images       # noqa: E402
from studio.engine.provenance import Provenance                # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (args.n, args.size, args.size, 3), dtype=np.uint8)
    params = Provenance(family="diffusion", seed=0, width=args.size, height=args.size, options={"steps": 20})
    print(f"{cpu_name()}; {args.n} images of {args.size} px; disk of {tempfile.gettempdir()}")
    times: dict[str, list[float]] = {"one by one": [], "together": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            for kind in times:
                out = Path(tmp) / f"{kind.replace(' ', '-')}-{r}"
                items = [(out / f"image-{i:04d}.png", image, params.updated(seed=i, index=i))
                         for i, image in enumerate(images)]
                started = time.perf_counter()
                if kind == "one by one":
                    for path, image, p in items:
                        save_image(path, image, p)
                else:
                    save_images(items)
                times[kind].append(time.perf_counter() - started)
                shutil.rmtree(out)
    for kind, seconds in times.items():
        print(f"{kind:>10}: " + ", ".join(f"{s:.2f}" for s in seconds) + " s")
    ratios = [a / b for a, b in zip(times["one by one"], times["together"])]
    print(f"median ratio one by one / together: {float(np.median(ratios)):.2f}")


if __name__ == "__main__":
    main()
