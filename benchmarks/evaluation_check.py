"""Does the feature network earn its place on each data set? The degradation check, and what the network costs.

    .venv/bin/python benchmarks/evaluation_check.py [--sets demo:shapes,demo:digits,...] [--sizes 16,32]
                                                    [--extra DIR]   # DIR from scripts/build_eval_datasets.py

For each set and size: train the feature network on the default training split (process CPU-seconds and
wall seconds), then score the held-out images and four degradations of them against the training images.
KID must rise along held-out < slightly blurred < heavily blurred < shuffled pixels < noise (PASS).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import cpu_name, drain
from studio.engine import load_dataset
from studio.engine.evaluation.evaluate import default_split, prepare_reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="demo:shapes,demo:digits,demo:faces")
    parser.add_argument("--extra", type=Path, help="a folder of further sets (each sub-folder one set)")
    parser.add_argument("--sizes", default="32,16")
    args = parser.parse_args()
    sets = args.sets.split(",") if args.sets else []
    if args.extra:
        sets += [str(p) for p in sorted(args.extra.iterdir()) if p.is_dir()]
    import torch
    print(f"CPU: {cpu_name()}; torch threads {torch.get_num_threads()}")
    with tempfile.TemporaryDirectory() as cache:
        for source in sets:
            for size in (int(s) for s in args.sizes.split(",")):
                dataset = load_dataset(source, size=size)
                train_idx, heldout_idx = default_split(dataset)
                wall, cpu = time.perf_counter(), time.process_time()
                reference = drain(prepare_reference(dataset, train_idx, heldout_idx, cache=Path(cache)))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                check = reference.check
                print(f"\n{source} at {size} px: {len(dataset):,} images ({len(heldout_idx)} held out), "
                      f"{reference.network.kind} network + check {cpu:.0f} CPU-s, {wall:.0f} s wall: "
                      f"{'PASS' if check.passed else 'FAIL'}")
                for row in check.rows:
                    print(f"  {row.name:<17} KID {row.kid:9.3f} ± {row.kid_std:7.3f}   precision {row.precision:.2f}"
                          f"   recall {row.recall:.2f}")


if __name__ == "__main__":
    main()
