"""Sampling options on trained runs of many data sets: what another setting (fewer diffusion steps, another
sampler, a flow's temperature) does to quality (KID, recall, prompts followed: the evaluation's scores) and to
the time sampling takes.

    .venv/bin/python benchmarks/sampling_options.py RUN [RUN ...] --setting steps=20 --setting steps=10,sampler=dpm++2m
        [--samples 200] [--seeds 0,1] [--cache DIR] [--json FILE]

RUN: trained run folders of one family (e.g. those `family_sets.py --keep DIR` keeps). Each run is sampled at
every --setting (the family's sampling options, KEY=VALUE,...; its defaults elsewhere) from the same seeds, in the
precision `genstudio sample` picks on this machine, and scored by `evaluate`'s judge against the run's own
held-out images. Two sampling seeds give the spread that the samples alone make (the model is the same); a
setting holds the quality when its change stays within it. Prints one table per run, with the CPU seconds per
100 images of each setting (its sampling alone).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import cpu_name, drain  # noqa: E402

SCORES = ("kid", "recall", "adherence")


def parse_setting(text: str) -> dict:
    """"steps=10,sampler=dpm++2m" -> {"steps": 10, "sampler": "dpm++2m"}; "" (the defaults) -> {}."""
    out = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"a setting is KEY=VALUE,..., not {item!r}")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value.strip()
    return out


def name(setting: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in setting.items()) or "the defaults"


def measure_run(path: Path, settings, samples: int, seeds: list[int], cache: Path) -> dict:
    from studio.engine import Run, choose_sampling_precision
    from studio.engine.evaluation.evaluate import generate, prepare_reference, run_dataset, score_images, split_of
    from studio.engine.inference import lay_out_for

    run = Run.open(path)
    dataset, _ = run_dataset(run)
    train_idx, heldout_idx = split_of(run, dataset)
    reference = drain(prepare_reference(dataset, train_idx, heldout_idx, seed=0, cache=cache))
    family, ckpt = run.load_family(None)
    precision = choose_sampling_precision(family, "auto").name
    lay_out_for(family, precision)
    rows = []
    for setting in settings:
        for seed in seeds:
            started = time.process_time()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                images, prompts = drain(generate(family, reference, samples, seed=seed, options=setting))
            cpu = time.process_time() - started
            result = score_images(reference, images, prompts, seed=seed)
            rows.append({"setting": setting, "seed": seed, "cpu_per_100": 100 * cpu / samples,
                         **{k: result.model.value(k) for k in SCORES},
                         "floor": {k: result.floor.value(k) for k in SCORES}})
            print(f"  {name(setting)}, seed {seed}: " + ", ".join(f"{k} {fmt(rows[-1][k])}" for k in SCORES)
                  + f"; {rows[-1]['cpu_per_100']:.2f} CPU s per 100 images", flush=True)
    return {"run": str(path), "family": family.name,
            "set": Path(run.config.get("dataset", {}).get("source", "?")).name,
            "size": family.data.image_size, "step": int(ckpt.step), "precision": precision, "rows": rows}


def fmt(value) -> str:
    return "–" if value is None else f"{value:.3g}"


def table(result: dict, settings) -> str:
    seeds = sorted({r["seed"] for r in result["rows"]})
    lines = [f"\n{result['family']} on {result['set']} at {result['size']} px (step {result['step']}, "
             f"{result['precision']}): "
             f"each score at sampling seed {' / '.join(map(str, seeds))}",
             "| setting | KID | recall | prompts followed | CPU s per 100 images |", "|---|---|---|---|---|"]
    for setting in settings:
        rows = [r for r in result["rows"] if r["setting"] == setting]
        cells = [" / ".join(fmt(r[k]) for r in rows) for k in SCORES]
        cpu = sum(r["cpu_per_100"] for r in rows) / len(rows)
        lines.append(f"| {name(setting)} | " + " | ".join(cells) + f" | {cpu:.2f} |")
    floor = result["rows"][0]["floor"]
    lines.append("| the floor (held-out images) | " + " | ".join(fmt(floor[k]) for k in SCORES) + " | – |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE,...",
                        help="sampling options to measure (repeat it; \"\": the family's defaults)")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "genstudio-family-sets-cache"),
                        help="where the judges' feature networks are kept between processes")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    settings = [parse_setting(text) for text in args.setting] or [{}]
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"# {cpu_name()}, torch {torch.__version__}, {torch.get_num_threads()} threads; {args.samples} samples "
          f"a setting and seed", flush=True)
    results = []
    for path in args.runs:
        print(f"# {path}", flush=True)
        results.append(measure_run(path, settings, args.samples, seeds, Path(args.cache)))
        print(table(results[-1], settings), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main()
