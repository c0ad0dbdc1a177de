"""Sampling precision: fp32 against bf16 autocast (issue 25, "Measured", sampling).

1. Whole `genstudio sample RUN -n 500` processes at 16 px, --precision fp32 against auto, alternating
   (fp32, auto, fp32, auto, ...), on a diffusion run trained briefly here: wall seconds, the ratio, and how
   far the auto images are from the fp32 ones at the same seeds (mean absolute difference in grey levels).
2. Every family's sampling rate at 16 and 32 px, fp32 against bf16 autocast (its default options, the
   "small" preset, weights nudged from their initialisation: speed does not depend on training), alternating.

    .venv/bin/python benchmarks/sampling_precision.py [--repeats 3] [--skip-processes] [--skip-families]

Times are only comparable side by side within one run (the machine may be shared).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
GENSTUDIO = [sys.executable, "-m", "studio.cli"] if not (ROOT / ".venv/bin/genstudio").exists() \
    else [str(ROOT / ".venv/bin/genstudio")]


def train_run(folder: Path, steps: int) -> Path:
    run = folder / "run"
    subprocess.run([*GENSTUDIO, "train", "demo:shapes", "--family", "diffusion", "--size", "16", "--steps",
                    str(steps), "--out", str(run)], check=True, capture_output=True)
    return run


def sample_process(run: Path, out: Path, precision: str, n: int) -> float:
    start = time.perf_counter()
    subprocess.run([*GENSTUDIO, "sample", str(run), "-n", str(n), "--out", str(out), "--precision", precision],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def read_images(folder: Path) -> np.ndarray:
    return np.stack([np.asarray(Image.open(p)) for p in sorted(folder.glob("image-*.png"))]).astype(np.float64)


def whole_processes(repeats: int, n: int, steps: int, run: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        run = run or train_run(tmp, steps)
        times: dict[str, list[float]] = {"fp32": [], "auto": []}
        for r in range(repeats):
            for precision in ("fp32", "auto"):
                times[precision].append(sample_process(run, tmp / f"{precision}-{r}", precision, n))
                print(f"  {precision} repeat {r}: {times[precision][-1]:.2f} s", flush=True)
        fp32, auto = read_images(tmp / "fp32-0"), read_images(tmp / "auto-0")
        same = np.array_equal(read_images(tmp / "auto-1"), auto) if repeats > 1 else None
        t32, tauto = np.median(times["fp32"]), np.median(times["auto"])
        print(f"\nwhole `genstudio sample RUN -n {n}` at 16 px (diffusion run {run.name}), median of {repeats}:")
        print("| precision | seconds (each run) | median |\n|---|---|---|")
        for name, values in times.items():
            print(f"| {name} | {', '.join(f'{v:.2f}' for v in values)} | {np.median(values):.2f} |")
        print(f"ratio fp32 / auto: {t32 / tauto:.2f}; auto vs fp32 images: mean |difference| "
              f"{np.abs(fp32 - auto).mean():.3f} grey levels (of 255), max {np.abs(fp32 - auto).max():.0f}; "
              f"auto repeats identical: {same}")


def nudged_family(cls, size: int):
    from studio.engine.families.base import DataInfo

    torch.manual_seed(0)
    family = cls(cls.Config.from_preset("small"), DataInfo(size, 3, label_names=("a", "b"), vocabulary=("a", "b")))
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for module in family.modules().values():
            for p in module.parameters():
                p.add_(0.02 * torch.randn(p.shape, generator=g))
    family.eval()
    return family


def sample_seconds(family, n: int, bf16: bool) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext():
        for frame in family.sample(n, seed=0):
            last = frame
    return time.perf_counter() - start, last.images.astype(np.float64)


def per_family(repeats: int, sizes: tuple[int, ...], names: set[str] | None) -> None:
    from studio.engine.families.base import all_families

    print("\n| family | size | fp32 images/s | bf16 images/s | bf16 speed-up | mean abs difference (grey levels) |")
    print("|---|---|---|---|---|---|")
    for cls in all_families():
        if names and cls.name not in names:
            continue
        for size in sizes:
            family = nudged_family(cls, size)
            n = 64 if cls.name == "diffusion" else 256
            sample_seconds(family, n, False), sample_seconds(family, n, True)          # warm up both
            fp32, bf16 = [], []
            for _ in range(repeats):
                t, a = sample_seconds(family, n, False)
                fp32.append(t)
                t, b = sample_seconds(family, n, True)
                bf16.append(t)
            f, b16 = min(fp32), min(bf16)
            print(f"| {cls.name} | {size} | {n / f:.1f} | {n / b16:.1f} | {f / b16:.2f} | "
                  f"{np.abs(a - b).mean():.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--train-steps", type=int, default=50)
    parser.add_argument("--run", type=Path, help="a 16 px diffusion run to sample (default: train one here)")
    parser.add_argument("--skip-processes", action="store_true")
    parser.add_argument("--skip-families", action="store_true")
    parser.add_argument("--families", help="comma-separated family names (default: all)")
    args = parser.parse_args()
    from studio.engine.training.device import _cpu_name, cpu_has_fast_bf16

    print(f"{_cpu_name()}; fast bf16: {cpu_has_fast_bf16()}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    if not args.skip_processes:
        whole_processes(args.repeats, args.n, args.train_steps, args.run)
    if not args.skip_families:
        per_family(args.repeats, (16, 32), set(args.families.split(",")) if args.families else None)


if __name__ == "__main__":
    main()
