"""Diffusion sampling on a CPU under bf16 autocast: modules in the contiguous layout against channels_last,
alternating, in CPU seconds of one thread (so a loaded machine shows the ratio, if not the absolute figures).

    genstudio train demo:shapes --family diffusion --size 16 --steps 10 --out RUN
    .venv/bin/python benchmarks/sampling_layout.py --run RUN [--n 64] [--steps 10] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import cpu_name                                          # noqa: E402
from studio.engine import Run                                        # noqa: E402
from studio.engine.inference import device_has_fast_bf16             # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True)
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    family, _ = Run.open(args.run).load_family(None, device=torch.device("cpu"))
    print(f"{cpu_name()}; fast bf16: {device_has_fast_bf16(torch.device('cpu'))}; {family.name} "
          f"{family.data.image_size} px, {args.n} images, {args.steps} steps, bf16 autocast, 1 thread")
    layouts = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}
    seconds: dict[str, list[float]] = {name: [] for name in layouts}
    images: dict[str, np.ndarray] = {}
    for _ in range(args.repeats):
        for name, layout in layouts.items():
            for module in family.all_modules():
                module.to(memory_format=layout)
            started = time.process_time()
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
                for frame in family.sample(args.n, seed=0, steps=args.steps):
                    pass
            seconds[name].append(time.process_time() - started)
            images[name] = frame.images
    for name, values in seconds.items():
        print(f"{name:>13}: " + ", ".join(f"{v:.2f}" for v in values) + " CPU s")
    ratio = statistics.median(a / b for a, b in zip(seconds["contiguous"], seconds["channels_last"]))
    difference = np.abs(images["contiguous"].astype(int) - images["channels_last"].astype(int))
    print(f"median ratio contiguous / channels_last: {ratio:.2f}; images differ by at most {difference.max()} "
          f"grey levels (mean {difference.mean():.4f})")


if __name__ == "__main__":
    main()
