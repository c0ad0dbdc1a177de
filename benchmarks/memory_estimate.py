"""The training memory estimate (studio/engine/training/memory.py) against the peak a real training run reaches.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/memory_estimate.py [--families vae,diffusion] [--batches 8,32,64]
        [--size 32] [--precision auto]

For each family at its small preset and each batch, in a fresh subprocess as `genstudio train` runs: the data
are made and the estimate is measured (as the plan does before training), the process's peak resident memory
is read (`ru_maxrss`), a real Trainer runs 4 steps at that batch (and writes its final checkpoint), and the peak
is read again. Counted: fixed + per_image × batch (no margins); estimate: `MemoryEstimate.at(batch)`, what
the plan compares with the free memory; measured: the growth of the peak. Ratios: measured ÷ counted (what the
margins must cover) and estimate ÷ measured (≥ 1: the estimate was safe).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

from evaluation_check import cpu_name        # benchmarks/ is the script's folder, first on sys.path

CHILD = r"""
import json, resource, sys, tempfile
import numpy as np
from studio.engine.data import DatasetReport, ImageDataset
from studio.engine.families import get_family
from studio.engine.families.base import DataInfo
from studio.engine.text import build_vocabulary
from studio.engine.training import TrainConfig, Trainer
from studio.engine.training.memory import estimate_training_memory

family, batch, size, precision = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
n = 1024            # the most images the Trainer's checkpoint-time latent fit takes, the same at every batch
images = np.random.default_rng(0).integers(0, 256, (n, size, size, 3), dtype=np.uint8)
report = DatasetReport(root="random", found=n, loaded=n, skipped=(), labels=("a", "b"), label_counts={},
                       captioned=0, caption_source="none", channels=3, size=size)
dataset = ImageDataset(images=images, labels=(np.arange(n) % 2).astype(np.int64), captions=("",) * n,
                       files=tuple(f"{i}.png" for i in range(n)), report=report, fingerprint=f"random-{n}-{size}")
config = get_family(family).Config.from_preset("small")
info = DataInfo(image_size=size, channels=3, label_names=("a", "b"), vocabulary=build_vocabulary([]))
estimate = estimate_training_memory(family, config, info, precision=precision)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024          # Linux: KiB
with tempfile.TemporaryDirectory() as tmp:
    train = TrainConfig(steps=4, batch_size=batch, precision=precision, device="cpu", preview_seconds=0,
                        validate_seconds=0, quality_minutes=0, checkpoint_minutes=1e6, holdout=0.0)
    for _ in Trainer(dataset, tmp + "/run", family=family, family_config=config, config=train).run():
        pass
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"per_image": estimate.per_image, "fixed": estimate.fixed, "growth": after - before}))
"""


def main() -> None:
    from studio.engine.training.memory import OVERHEAD, SAFETY, MemoryEstimate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="vae,gan,flow,diffusion,autoregressive,vqvae,vaegan")
    parser.add_argument("--batches", default="8,32,64")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--precision", default="auto")
    args = parser.parse_args()
    mib = 2**20
    from studio.engine.training.device import cpu_has_fast_bf16
    print(f"CPU: {cpu_name()} (fast bf16: {'yes' if cpu_has_fast_bf16() else 'no'})")
    print(f"{args.size} px, small presets, precision {args.precision}; "
          f"estimate = {OVERHEAD / mib:.0f} MiB + fixed + {SAFETY} × per image × batch")
    print("| family | batch | counted MiB | estimate MiB | measured MiB | measured ÷ counted | estimate ÷ measured |")
    print("|---|---|---|---|---|---|---|")
    for name in args.families.split(","):
        for batch in (int(b) for b in args.batches.split(",")):
            done = subprocess.run([sys.executable, "-c", CHILD, name, str(batch), str(args.size), args.precision],
                                  capture_output=True, text=True, timeout=900)
            if done.returncode:
                print(f"| {name} | {batch} | failed: {done.stderr.strip().splitlines()[-1]} | | | | |")
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            estimate = MemoryEstimate(per_image=row["per_image"], fixed=row["fixed"])
            counted = estimate.fixed + estimate.per_image * batch
            growth = max(row["growth"], 1)
            print(f"| {name} | {batch} | {counted / mib:.0f} | {estimate.at(batch) / mib:.0f} | {growth / mib:.0f} "
                  f"| {growth / counted:.2f} | {estimate.at(batch) / growth:.2f} |", flush=True)


if __name__ == "__main__":
    main()
