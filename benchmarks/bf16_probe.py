"""The bf16 probe against the real thing: does the probe that picks the CPU's automatic precision
(studio/engine/training/device.py, `_measure_bf16_speedup`) read bf16 as faster exactly where training is?

1. The probe measured several times: its speed-up's spread, and what auto picks from it.
2. Whole `genstudio train demo:shapes --family F --size 16 --steps S --precision P` processes, fp32 and bf16
   alternating: wall and user CPU seconds, and the ratio fp32 / bf16 (above 1: bf16 faster).

    .venv/bin/python benchmarks/bf16_probe.py [--families diffusion,vae] [--steps 40] [--repeats 2] [--probes 5]

Times compare only side by side within one run (the machine may be shared); OMP_NUM_THREADS applies to both.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GENSTUDIO = [str(ROOT / ".venv/bin/genstudio")] if (ROOT / ".venv/bin/genstudio").exists() \
    else [sys.executable, "-m", "studio.cli"]


def train_process(family: str, steps: int, precision: str, out: Path) -> tuple[float, float]:
    """(wall s, user CPU s) of one whole training process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    start = time.perf_counter()
    subprocess.run([*GENSTUDIO, "train", "demo:shapes", "--family", family, "--size", "16", "--steps", str(steps),
                    "--precision", precision, "--out", str(out), "--quality-minutes", "0"],
                   check=True, capture_output=True)
    return time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="diffusion,vae")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--probes", type=int, default=5)
    args = parser.parse_args()

    import torch

    from studio.engine.training.device import BF16_PAYS, _cpu_name, _measure_bf16_speedup, cpu_bf16_feature

    print(f"{_cpu_name()}; native bf16: {cpu_bf16_feature() or 'none'}; torch {torch.__version__}; "
          f"threads {torch.get_num_threads()} (OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')})")
    probes = [_measure_bf16_speedup()["speedup"] for _ in range(args.probes)]
    median = statistics.median(probes)
    print(f"probe speed-up (fp32 s / bf16 s), {args.probes} times: {', '.join(f'{p:.2f}' for p in probes)}; "
          f"median {median:.2f} -> auto picks {'bf16' if cpu_bf16_feature() and median >= BF16_PAYS else 'fp32'} "
          f"(bf16 needs >= {BF16_PAYS})\n")

    print("| family | precision | wall s | user CPU s |\n|---|---|---|---|")
    ratios = {}
    with tempfile.TemporaryDirectory() as tmp:
        for family in args.families.split(","):
            times: dict[str, list[tuple[float, float]]] = {"fp32": [], "bf16": []}
            for r in range(args.repeats):
                for precision in times:
                    times[precision].append(train_process(family, args.steps, precision,
                                                           Path(tmp) / f"{family}-{precision}-{r}"))
            for precision, values in times.items():
                print(f"| {family} | {precision} | {', '.join(f'{w:.1f}' for w, _ in values)} | "
                      f"{', '.join(f'{u:.1f}' for _, u in values)} |", flush=True)
            ratios[family] = statistics.median(u for _, u in times["fp32"]) / \
                statistics.median(u for _, u in times["bf16"])
    print("\nwhole process, user CPU s fp32 / bf16 (median; above 1: bf16 faster): "
          + "; ".join(f"{family} {ratio:.2f}" for family, ratio in ratios.items())
          + f" ({args.steps} steps at 16 px, start-up included)")


if __name__ == "__main__":
    main()
