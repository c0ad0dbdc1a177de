"""Does the VQ-VAE's prior memorise, and does its regularisation help, on every data set? Variants side by side.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/vqvae_prior.py [--sets demo:digits,...] [--extra DIR]
        [--sizes 16,32] [--seeds 0,1] [--steps 1200] [--variants "plain:prior_dropout=0,prior_weight_decay=0;now:"]

Each variant trains the VQ-VAE (small preset, the plan's default settings) for the same number of steps, so a
shared, noisy machine changes the time taken, not the result; stage 2 starts at half the run. Then the run is
scored with the evaluation of `genstudio evaluate` (200 samples): KID, recall, copies of training images and
prompt adherence, beside the prior's held-out bits per token (at the end and the best seen) and its training
bits at the end: a held-out loss rising while the training loss falls is memorisation.
DIR: scripts/build_eval_datasets.py --out DIR (glyphs, textures).
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from common import cpu_name, drain
from studio.engine import load_dataset
from studio.engine.evaluation.evaluate import evaluate_run
from studio.engine.families.vqvae import VQVAEConfig
from studio.engine.training import Trainer
from studio.engine.training.plan import DataFacts, plan_training

SCORES = ("kid", "recall", "memorised", "adherence")


def parse_variants(text: str) -> dict[str, dict]:
    variants = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, _, settings = part.partition(":")
        values = {}
        for item in filter(None, settings.split(",")):
            key, _, value = item.partition("=")
            values[key.strip()] = float(value)
        variants[name.strip()] = values
    return variants


def prior_bits(run: Path) -> dict[str, float | None]:
    """The prior's held-out bits per token at the end and at best, and its training bits over the last records."""
    val, train = [], []
    for line in (run / "metrics.jsonl").read_text().splitlines():
        record = json.loads(line)
        if "prior_bits" in record:
            (val if record.get("kind") == "val" else train).append(record["prior_bits"])
    return {"val_end": val[-1] if val else None, "val_best": min(val) if val else None,
            "train_end": statistics.fmean(train[-3:]) if train else None}


def train_and_score(dataset, size: int, seed: int, steps: int, overrides: dict, folder: Path, cache: Path) -> dict:
    plan = plan_training("vqvae", DataFacts.of(dataset), device="cpu", given={"image_size": size})
    config = plan.train_config(steps=steps, minutes=None, seed=seed, threads=1, device="cpu", preview_seconds=0,
                               validate_seconds=15, quality_minutes=0, checkpoint_minutes=60)
    family_config = VQVAEConfig.from_preset(plan.model_preset or "small", **overrides)
    started = time.process_time()
    trainer = Trainer(dataset, folder, family="vqvae", family_config=family_config, config=config)
    for _ in trainer.run():
        pass
    cpu = time.process_time() - started
    evaluation = drain(evaluate_run(folder, n=200, seed=0, dataset=dataset, cache=cache))
    row = {k: evaluation.model.value(k) for k in SCORES}
    row.update(prior_bits(folder), cpu_seconds=cpu, prior_start=int(trainer.family.prior_start),
               steps=trainer.step, kid_floor=evaluation.floor.kid)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="demo:digits,demo:faces,demo:shapes")
    parser.add_argument("--extra", help="folder of scripts/build_eval_datasets.py (its sets are added)")
    parser.add_argument("--sizes", default="16")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--variants", default="plain:prior_dropout=0,prior_weight_decay=0;regularised:")
    parser.add_argument("--json", help="also write every row here")
    args = parser.parse_args()
    sets = [s for s in args.sets.split(",") if s]
    if args.extra:
        sets += [str(p) for p in sorted(Path(args.extra).iterdir()) if p.is_dir()]
    variants = parse_variants(args.variants)
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"# VQ-VAE prior, {args.steps} steps a run, one thread, on {cpu_name()}")
    print("| set | px | variant | seed | stage 2 at | prior bits held-out end / best | train end | KID | recall "
          "| copies | prompts | CPU-s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "features"
        for source in sets:
            for size in (int(s) for s in args.sizes.split(",")):
                dataset = load_dataset(source, size=size)
                name = Path(source).name if not source.startswith("demo:") else source
                for seed in seeds:
                    for variant, overrides in variants.items():
                        folder = Path(tmp) / f"{len(rows)}"
                        row = train_and_score(dataset, size, seed, args.steps, overrides, folder, cache)
                        row.update(set=name, size=size, variant=variant, seed=seed)
                        rows.append(row)
                        fmt = lambda v, f="{:.3f}": "–" if v is None else f.format(v)
                        print(f"| {name} | {size} | {variant} | {seed} | {row['prior_start']} | "
                              f"{fmt(row['val_end'])} / {fmt(row['val_best'])} | {fmt(row['train_end'])} | "
                              f"{fmt(row['kid'])} | {fmt(row['recall'], '{:.2f}')} | {fmt(row['memorised'], '{:.2f}')} | "
                              f"{fmt(row['adherence'], '{:.2f}')} | {row['cpu_seconds']:.0f} |", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    summarise(rows, list(variants))


def summarise(rows: list[dict], variants: list[str]) -> None:
    """Per set and size: each variant's mean over the seeds, and the seeds' spread (half the range) of the first."""
    print("\n| set | px | score | " + " | ".join(variants) + " | seeds' spread |")
    print("|---|---|---|" + "---|" * (len(variants) + 1))
    for key in ("val_end", "kid", "recall", "memorised", "adherence"):
        for (name, size) in dict.fromkeys((r["set"], r["size"]) for r in rows):
            means, spread = [], 0.0
            for variant in variants:
                values = [r[key] for r in rows if (r["set"], r["size"], r["variant"]) == (name, size, variant)
                          and r[key] is not None]
                means.append(statistics.fmean(values) if values else None)
                if values:
                    spread = max(spread, (max(values) - min(values)) / 2)
            if all(m is None for m in means):
                continue
            cells = " | ".join("–" if m is None else f"{m:.3f}" for m in means)
            print(f"| {name} | {size} | {key} | {cells} | {spread:.3f} |")


if __name__ == "__main__":
    main()
