"""The training memory estimate (studio/engine/training/memory.py) against the peak a real training step reaches.

    .venv/bin/python benchmarks/memory_estimate.py [--families vae,diffusion] [--batches 8,32,64] [--size 32]

For each family at its small preset: the estimate at each batch (without the safety factor, and with it), and
the measured growth of the process's peak resident memory over a few real Trainer steps at that batch, each
in a fresh subprocess (ru_maxrss after the model, the data and the optimizer exist, then after 3 steps). The
ratio estimate ÷ measured says whether the safety factor covers it (it should be ≥ 1 with the factor).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

from evaluation_check import cpu_name        # benchmarks/ is the script's folder, first on sys.path

CHILD = r"""
import json, resource, sys
import torch
from studio.engine.data import ImageDataset, DatasetReport
import numpy as np
from studio.engine.training import TrainConfig, Trainer
family, batch, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = max(4 * batch, 64)
rng = np.random.default_rng(0)
images = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
report = DatasetReport(root="random", found=n, loaded=n, skipped=(), labels=("a", "b"), label_counts={},
                       captioned=0, caption_source="none", channels=3, size=size)
ds = ImageDataset(images=images, labels=(np.arange(n) % 2).astype(np.int64), captions=("",) * n,
                  files=tuple(f"{i}.png" for i in range(n)), report=report, fingerprint=f"random-{n}-{size}")
import tempfile
with tempfile.TemporaryDirectory() as tmp:
    cfg = TrainConfig(steps=4, batch_size=batch, preview_seconds=0, validate_seconds=0, quality_minutes=0,
                      checkpoint_minutes=1e6, holdout=0.0)
    t = Trainer(ds, tmp + "/run", family=family, config=cfg)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024     # the data exist; the model not yet
    for _ in t.run():
        pass
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"growth": after - before, "before": before}))
"""


def main() -> None:
    from studio.engine.families import get_family
    from studio.engine.families.base import DataInfo
    from studio.engine.text import build_vocabulary
    from studio.engine.training.memory import OVERHEAD, SAFETY, estimate_training_memory

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="vae,gan,flow,diffusion,autoregressive,vqvae,vaegan")
    parser.add_argument("--batches", default="8,32,64")
    parser.add_argument("--size", type=int, default=32)
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}; {args.size} px, small presets, automatic precision; SAFETY {SAFETY}, "
          f"OVERHEAD {OVERHEAD / 2**20:.0f} MiB")
    print("| family | batch | counted MiB | estimate MiB | measured peak growth MiB | estimate ÷ measured |")
    print("|---|---|---|---|---|---|")
    info = DataInfo(image_size=args.size, channels=3, label_names=("a", "b"), has_captions=False,
                    vocabulary=build_vocabulary([]))
    for name in args.families.split(","):
        cls = get_family(name)
        estimate = estimate_training_memory(name, cls.Config.from_preset("small"), info, precision="auto")
        for batch in (int(b) for b in args.batches.split(",")):
            done = subprocess.run([sys.executable, "-c", CHILD, name, str(batch), str(args.size)],
                                  capture_output=True, text=True, timeout=900)
            if done.returncode:
                print(f"| {name} | {batch} | failed: {done.stderr.strip().splitlines()[-1]} | | | |")
                continue
            growth = json.loads(done.stdout.strip().splitlines()[-1])["growth"]
            bare = (estimate.at(batch) - OVERHEAD) / SAFETY
            ratio = estimate.at(batch) / growth if growth > 0 else float("inf")
            print(f"| {name} | {batch} | {bare / 2**20:.0f} | {estimate.at(batch) / 2**20:.0f} | "
                  f"{growth / 2**20:.0f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
