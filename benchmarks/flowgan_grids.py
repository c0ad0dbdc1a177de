"""Flow-GAN beside the plain flow after the same CPU-minutes on the same demo set: sample grids, held-out bits/dim,
KID and recall, and training speed.

    nice -n 5 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/flowgan_grids.py both --runs DIR \
        [--sets digits,faces,shapes] [--families flowgan,flow] [--cpu-minutes 5] [--weight W] [--n 200]

`train` only trains (one process per set and family can run side by side: each counts its own CPU time; with
--checkpoint-minutes 1 a stopped run still has its last CPU-minute saved), `report` only evaluates the runs in DIR
and draws the figures, `both` does one after the other. One thread each. For each set, both families with what
`genstudio train demo:SET --family F --minutes M` chooses (plan_training: preset, batch, lr, EMA; the flow's and
Flow-GAN's defaults), trained by the Trainer for M minutes of training-step CPU time (benchmarks/common.py: the
Trainer's clock is process CPU time), previews and the quality meter off. Then, from each run's checkpoint (EMA
weights):
  - held-out bits/dim: the family's validation loss over all of the run's held-out images (fixed dequantization
    noise; the same code for both, an upper bound on the discrete images' bits through dequantization);
  - KID (lower is better) and recall (higher is better) of n samples (seed 0) against the held-out images,
    scored by studio.engine.evaluation with one feature network per set, at temperature 0.8 (both families'
    default) and 1.0 (the temperature Flow-GAN's adversarial term trains at);
  - training images per CPU-second of training steps, Flow-GAN / flow as a ratio.
docs/flowgan-5cpumin-SET.png: 32 samples of each at the default temperature, and Flow-GAN's at 1.0.
--weight W trains Flow-GAN with adversarial_weight W instead of its default (for a sweep; the figure is then
named flowgan-w{W}-...).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import cpu_name, drain, train_for_cpu_minutes, labelled, side_by_side          # noqa: E402
from studio.engine.data import load_dataset                        # noqa: E402
from studio.engine.evaluation.evaluate import prepare_reference, score_images   # noqa: E402
from studio.engine.export import make_grid                          # noqa: E402
from studio.engine.families.base import Batch, get_family           # noqa: E402
from studio.engine.run import Run                                   # noqa: E402
from studio.engine.training import Trainer                          # noqa: E402
from studio.engine.training.plan import DataFacts, plan_training    # noqa: E402
from studio.engine.training.trainer import holdout_split            # noqa: E402

FAMILIES = ("flowgan", "flow")
TITLES = {"flowgan": "Flow-GAN", "flow": "flow"}
TEMPERATURES = (0.8, 1.0)
SCALE = 3


def train(dataset, family: str, minutes: float, folder: Path, weight: float | None, checkpoint_minutes: float) -> dict:
    plan = plan_training(family, DataFacts.of(dataset), device="cpu", given={"minutes": minutes})
    config = plan.train_config(seed=0, threads=1, device="cpu", preview_seconds=0, quality_minutes=0,
                               checkpoint_minutes=checkpoint_minutes)
    family_config = get_family(family).Config.from_preset(plan.model_preset or "small")
    if family == "flowgan" and weight is not None:
        family_config = family_config.replace(adversarial_weight=weight)
    trainer = Trainer(dataset, folder, family=family, family_config=family_config, config=config)
    cpu_seconds = train_for_cpu_minutes(trainer)
    return {"cpu_seconds": cpu_seconds, "train_seconds": trainer.train_seconds, "steps": trainer.step,
            "batch": config.batch_size, "lr": config.lr, "preset": plan.model_preset,
            "images_per_cpu_s": trainer.step * config.batch_size / max(trainer.train_seconds, 1e-9)}


def held_out_bpd(family, dataset, val_idx: np.ndarray) -> float:
    x = torch.from_numpy(dataset.images[val_idx]).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    total = sum(family.validation_losses(Batch(part))["bpd"] * len(part) for part in x.split(64))
    return total / len(x)


def report(runs: Path, names: list[str], n: int, out: Path, tag: str, minutes: float) -> None:
    rows = []
    for name in names:
        dataset = load_dataset(f"demo:{name}")
        panels, row = [], {"set": name}
        for family_name in FAMILIES:
            folder = runs / f"{name}-{family_name}{tag if family_name == 'flowgan' else ''}"
            if not folder.is_dir():
                continue
            family, ckpt = Run.open(folder).load_family()
            meta, train_config = ckpt.meta, ckpt.meta["train_config"]
            info = {"steps": meta["step"], "train_seconds": meta["train_seconds"],
                    "batch": train_config["batch_size"], "lr": train_config["lr"],
                    "weight": getattr(family.config, "adversarial_weight", 0.0)}
            info["images_per_cpu_s"] = info["steps"] * info["batch"] / max(info["train_seconds"], 1e-9)
            train_idx, val_idx = holdout_split(len(dataset), train_config["holdout"], train_config["seed"])
            if "reference" not in row:
                row["reference"] = drain(prepare_reference(dataset, train_idx, val_idx, seed=0))
            info["bpd"] = held_out_bpd(family, dataset, val_idx)
            for t in TEMPERATURES:
                images = list(family.sample(n, seed=0, temperature=t))[-1].images
                evaluation = score_images(row["reference"], images, seed=0)
                scores = evaluation.model
                info[f"kid@{t:g}"], info[f"recall@{t:g}"] = scores.value("kid"), scores.value("recall")
                row["floor"] = (evaluation.floor.value("kid"), evaluation.floor.value("recall"))
                if t == 0.8 or family_name == "flowgan":
                    panels.append(labelled(make_grid(images[:32], 8),
                                           f"{TITLES[family_name]} T={t:g}: step {info['steps']}, "
                                           f"held-out {info['bpd']:.2f} bits/dim, KID {info[f'kid@{t:g}']:.3f}",
                                           scale=SCALE))
            row[family_name] = info
            print(f"{name:7s} {family_name:8s} adversarial_weight {info['weight']:g}, batch {info['batch']}, "
                  f"lr {info['lr']:g}: {info['steps']} steps in {info['train_seconds']:.0f} CPU-s of training "
                  f"steps, {info['images_per_cpu_s']:.1f} images/CPU-s, held-out {info['bpd']:.3f} bits/dim, "
                  + ", ".join(f"KID {info[f'kid@{t:g}']:.4f} recall {info[f'recall@{t:g}']:.3f} at T={t:g}"
                              for t in TEMPERATURES), flush=True)
        if "floor" in row:
            print(f"{name:7s} real held-out images against the training images (the floor): KID {row['floor'][0]:.4f} "
                  f"recall {row['floor'][1]:.3f}", flush=True)
        if panels:
            path = out / f"flowgan{tag}-{minutes:g}cpumin-{name}.png"
            side_by_side(panels).save(path)
            print("wrote", path, flush=True)
        rows.append(row)
    print("\n| set | steps Flow-GAN / flow | training images per CPU-s Flow-GAN / flow (ratio) | held-out bits/dim "
          "Flow-GAN / flow | KID T=0.8 Flow-GAN / flow | recall T=0.8 | KID T=1 | recall T=1 |")
    print("|---|---|---|---|---|---|---|---|")
    for row in (r for r in rows if "flowgan" in r and "flow" in r):
        g, f = row["flowgan"], row["flow"]
        pair = lambda key, spec: f"{format(g[key], spec)} / {format(f[key], spec)}"
        print(f"| {row['set']} | {g['steps']} / {f['steps']} | {g['images_per_cpu_s']:.1f} / "
              f"{f['images_per_cpu_s']:.1f} ({g['images_per_cpu_s'] / f['images_per_cpu_s']:.2f}x) "
              f"| {pair('bpd', '.3f')} | {pair('kid@0.8', '.4f')} | {pair('recall@0.8', '.3f')} "
              f"| {pair('kid@1', '.4f')} | {pair('recall@1', '.3f')} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", choices=("train", "report", "both"))
    parser.add_argument("--sets", default="digits,faces,shapes")
    parser.add_argument("--families", default=",".join(FAMILIES), help="train only these")
    parser.add_argument("--cpu-minutes", type=float, default=5.0)
    parser.add_argument("--runs", required=True, help="the runs are kept here, SET-FAMILY")
    parser.add_argument("--checkpoint-minutes", type=float, default=600,
                        help="save every this many CPU-minutes too (a report can then be drawn from a stopped run)")
    parser.add_argument("--weight", type=float, help="Flow-GAN's adversarial_weight (default: its default)")
    parser.add_argument("--n", type=int, default=200, help="samples scored per model and temperature")
    parser.add_argument("--out", default=str(ROOT / "docs"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    tag = "" if args.weight is None else f"-w{args.weight:g}"
    names, runs = args.sets.split(","), Path(args.runs)
    if args.phase in ("train", "both"):
        for name in names:
            dataset = load_dataset(f"demo:{name}")
            for family_name in args.families.split(","):
                folder = runs / f"{name}-{family_name}{tag if family_name == 'flowgan' else ''}"
                info = train(dataset, family_name, args.cpu_minutes, folder, args.weight, args.checkpoint_minutes)
                print(f"{name:7s} {family_name:8s} trained: {info['steps']} steps, {info['cpu_seconds']:.0f} CPU-s "
                      f"in all", flush=True)
    if args.phase in ("report", "both"):
        print(f"# Flow-GAN beside the flow, {args.cpu_minutes:g} CPU-minutes each, one thread, on {cpu_name()}, "
              f"torch {torch.__version__}")
        report(runs, names, args.n, Path(args.out), tag, args.cpu_minutes)


if __name__ == "__main__":
    main()
