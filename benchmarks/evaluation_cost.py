"""What `genstudio evaluate` costs: seconds to evaluate N samples of each family at 16 and 32 px.

    .venv/bin/python benchmarks/evaluation_cost.py [--families vae,gan] [--sizes 16,32] [-n 500]
                                                   [--data demo:shapes] [--train-steps 20]

For each size it trains the feature network once (timed; cached afterwards), then for each family trains
a run for --train-steps steps (the cost of sampling does not depend on how trained a model is) and times
evaluate_run on it: sampling, scoring (features, KID, k-NN metrics, copies) and bits/dim where the family
has it. The figures are wall seconds and process CPU-seconds of one process on this machine (the CPU is
printed first); the peer column is sampling alone, so the ratio says what the measurement adds to it.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from studio.engine import Trainer, TrainConfig, all_families, evaluate_run, get_family, load_dataset
from studio.engine.evaluation.evaluate import default_split, prepare_reference

from evaluation_check import cpu_name, drain        # benchmarks/ is the script's folder, first on sys.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default=",".join(f.name for f in all_families()))
    parser.add_argument("--sizes", default="16,32")
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--data", default="demo:shapes")
    parser.add_argument("--train-steps", type=int, default=20)
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}; n = {args.n} samples; data {args.data}")
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        for size in (int(s) for s in args.sizes.split(",")):
            dataset = load_dataset(args.data, size=size)
            train_idx, heldout_idx = default_split(dataset)
            wall, cpu = time.perf_counter(), time.process_time()
            reference = drain(prepare_reference(dataset, train_idx, heldout_idx, cache=cache))
            print(f"\n{size} px: feature network ({reference.network.kind}, {len(train_idx)} training images) "
                  f"and the check: {time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} CPU-s; "
                  f"check {'passed' if reference.check.passed else 'FAILED'}")
            print(f"{'family':<15} {'evaluate s':>11} {'CPU-s':>8} {'sampling s':>11} {'scoring s':>10} "
                  f"{'bits/dim s':>11} {'eval/sampling':>14}")
            for name in args.families.split(","):
                cls = get_family(name)
                run = Path(tmp) / f"{name}-{size}"
                config = TrainConfig(**{**cls.train_defaults, "steps": args.train_steps, "minutes": None,
                                        "preview_seconds": 0, "validate_seconds": 0})
                trainer = Trainer(dataset, run, family=name, family_config=cls.Config.from_preset("small"),
                                  config=config)
                for _ in trainer.run():
                    pass
                wall, cpu = time.perf_counter(), time.process_time()
                result = drain(evaluate_run(run, n=args.n, dataset=dataset, reference=reference))
                total = time.perf_counter() - wall
                seconds = result.seconds
                print(f"{name:<15} {total:>11.1f} {time.process_time() - cpu:>8.1f} {seconds['sampling']:>11.1f} "
                      f"{seconds['scoring']:>10.1f} {seconds.get('likelihood', 0):>11.1f} "
                      f"{total / max(seconds['sampling'], 1e-9):>13.2f}x")


if __name__ == "__main__":
    main()
