"""Latent diffusion against pixel diffusion at 64 px, each at its defaults, for the same CPU-minutes: quality per
CPU-minute (KID from studio.engine.evaluation), sampling images/s side by side as a ratio, and the grids
docs/ldm-5cpumin-SET.png (issue 27, part 1, "Measured").

    # train (one process per family can run at once; each run is skipped when its folder holds a checkpoint)
    nice -n 5 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ldm_vs_diffusion.py --runs RUNS --train ldm
    nice -n 5 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ldm_vs_diffusion.py --runs RUNS --train diffusion
    # measure and draw
    nice -n 5 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ldm_vs_diffusion.py --runs RUNS [--n 16]

Each family is trained with what `genstudio train demo:SET --size 64 --family F --minutes M` chooses (plan_training:
preset, batch, lr, EMA, precision) by the Trainer for M minutes of this process's CPU time (benchmarks/common.py),
one thread, no previews, validation or in-training quality meter (they do not change the model). demo:digits is
32 px and is loaded upscaled to 64 px (load_dataset's size); faces and shapes are 64 px as made.
Sampling: the EMA weights, each family's default sampler, 20 steps and guidance 3, prompts drawn from the held-out
images' captions or label names; images/s (CPU time) of the --n scored samples drawn in one batch (the latent
family with show_steps off, as `genstudio sample` draws), and for the latent family also of 4 images with every
step decoded (the app's live view).
Quality: KID (lower is better) and recall of the --n samples against the held-out images, one feature network per
set (trained once, cached under RUNS/features). 16 samples keep it affordable on a shared CPU; KID from so few is
noisy, so read differences below about 2x with care.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from common import cpu_name, drain, train_for_cpu_minutes, labelled, side_by_side

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studio.engine import load_dataset                                     # noqa: E402
from studio.engine.evaluation.evaluate import prepare_reference, score_images  # noqa: E402
from studio.engine.export import make_grid                                 # noqa: E402
from studio.engine.families.base import get_family                         # noqa: E402
from studio.engine.run import Run                                          # noqa: E402
from studio.engine.training import Trainer                                 # noqa: E402
from studio.engine.training.plan import DataFacts, plan_training           # noqa: E402
from studio.engine.training.trainer import holdout_split                   # noqa: E402

FAMILIES = ("ldm", "diffusion")
TITLES = {"ldm": "Latent diffusion", "diffusion": "Pixel diffusion"}
SCALE = 2


def load(name: str, size: int):
    return load_dataset(f"demo:{name}", size=size)


def train(dataset, family: str, folder: Path, minutes: float, size: int) -> None:
    plan = plan_training(family, DataFacts.of(dataset), device="cpu", given={"image_size": size, "minutes": minutes})
    config = plan.train_config(seed=0, threads=1, device="cpu", preview_seconds=0, validate_seconds=0,
                               quality_minutes=0, checkpoint_minutes=600)
    family_config = get_family(family).Config.from_preset(plan.model_preset or "small")
    trainer = Trainer(dataset, folder, family=family, family_config=family_config, config=config)
    seconds = train_for_cpu_minutes(trainer)
    print(f"trained {folder.name}: {trainer.step} steps, preset {plan.model_preset}, batch {config.batch_size}, "
          f"{seconds:.0f} CPU-s", flush=True)


def prompts_for(dataset, idx: np.ndarray, n: int, seed: int = 0) -> list[str]:
    """n prompts in the data's proportions: the captions (or label names) of random held-out images."""
    pick = np.random.default_rng(seed).choice(idx, n)
    names = dataset.report.labels
    out = []
    for i in pick.tolist():
        text = dataset.captions[i] if dataset.captions else ""
        if not text and dataset.labels is not None and names:
            text = names[int(dataset.labels[i])]
        out.append(text)
    return out


def sample(family, prompts: list[str], seed: int, **options) -> list:
    return list(family.sample_prompts(prompts, seed=seed, **options))


def measure(name: str, args) -> None:
    dataset = load(name, args.size)
    rows, panels, reference = {}, [], None
    for family_name in FAMILIES:
        run = Run.open(Path(args.runs) / f"{name}-{family_name}")
        family, ckpt = run.load_family()
        meta = ckpt.meta
        train = meta["train_config"]
        train_idx, val_idx = holdout_split(len(dataset), train["holdout"], train["seed"])
        if reference is None:
            reference = drain(prepare_reference(dataset, train_idx, val_idx, cache=Path(args.runs) / "features"))
        prompts = prompts_for(dataset, val_idx, args.n)
        # The scored samples in one batch, timed: sampling images/s as the CLI draws them (the latent family with
        # show_steps off, as `genstudio sample` needs only the last frame) ...
        options = {"show_steps": False} if family_name == "ldm" else {}
        started = time.process_time()
        final = sample(family, prompts, 0, **options)[-1].images
        speed = len(prompts) / (time.process_time() - started)
        scores = score_images(reference, final, prompts).model
        row = dict(steps=meta["step"], seconds=meta["train_seconds"], kid=scores.kid, recall=scores.recall, speed=speed)
        line = (f"{name:7s} {family_name:9s} steps {meta['step']:5d}  train {meta['train_seconds']:5.0f} s  "
                f"KID {scores.kid:.4f} ± {scores.kid_std:.4f}  recall {scores.recall:.3f}  sampling {speed:.3f} img/s")
        title = f"{TITLES[family_name]}: {meta['step']} steps, KID {scores.kid:.3f}"
        panels.append(labelled(make_grid(final, 8), title, scale=SCALE))
        if family_name == "ldm":
            # ... and with every step decoded, as the app's live view draws them (the first four prompts).
            started = time.process_time()
            frames = sample(family, prompts[:4], 0)
            row["live_speed"] = 4 / (time.process_time() - started)
            line += f" ({row['live_speed']:.3f} with every step decoded)"
            picks = [frames[k].images for k in (1, 5, 10, 19)] + [frames[19].extras["latent"]]
            panels.append(labelled(make_grid(np.concatenate(picks), 4), "decoded steps 2, 6, 11, 20; the latent",
                                   scale=SCALE))
        rows[family_name] = row
        print(line, flush=True)
    ldm, pixel = rows["ldm"], rows["diffusion"]
    print(f"{name:7s} ratio ldm / pixel: sampling {ldm['speed'] / pixel['speed']:.1f}x "
          f"({ldm['live_speed'] / pixel['speed']:.1f}x with every step decoded), steps "
          f"{ldm['steps'] / max(1, pixel['steps']):.1f}x, KID {ldm['kid'] / pixel['kid']:.2f}x "
          f"(below 1: latent diffusion better)", flush=True)
    path = Path(args.out) / f"ldm-{args.cpu_minutes:g}cpumin-{name}.png"
    side_by_side(panels, gap=10).save(path)
    print("wrote", path, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", required=True, help="folder of the SET-FAMILY runs")
    parser.add_argument("--sets", default="digits,faces,shapes")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--cpu-minutes", type=float, default=5.0)
    parser.add_argument("--train", choices=FAMILIES, help="train this family's runs (those missing) and stop")
    parser.add_argument("--n", type=int, default=16, help="samples scored per run, drawn in one batch")
    parser.add_argument("--out", default=str(ROOT / "docs"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"{cpu_name()}, one thread, {args.size} px, {args.cpu_minutes:g} CPU-minutes per run", flush=True)
    for name in args.sets.split(","):
        if args.train:
            folder = Path(args.runs) / f"{name}-{args.train}"
            if not (folder / "checkpoints").exists():
                train(load(name, args.size), args.train, folder, args.cpu_minutes, args.size)
        else:
            measure(name, args)


if __name__ == "__main__":
    main()
