"""Sample grids of the GAN, the VAE-GAN and the plain VAE after the same CPU time on a demo set.

    nice -n 5 .venv/bin/python benchmarks/gan_grids.py [--data demo:faces] [--size 32] [--cpu-minutes 5] \
        [--families gan,vaegan,vae] [--out bench-out] [--threads 1] [--precision auto]

Each family trains through the real Trainer (its own train_defaults, preset
`small`) until the process has spent `--cpu-minutes` of CPU time on it
(time.process_time(), all threads), then the EMA weights sample 64 images
from seed 0. Written to --out (default bench-out/, git-ignored):

    <family>-samples.png       8x8 grid of samples
    vae-vs-vaegan-samples.png  the same 64 latents through the VAE (left) and the VAE-GAN (right)
    vae-vs-vaegan-recon.png    dataset images (left), VAE reconstructions (middle), VAE-GAN's (right)

Prints images/s (per wall second and per CPU second) and what it saved.
"""
from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np

from studio.engine.data import load_dataset
from studio.engine.export import make_grid, save_png
from studio.engine.families.base import get_family
from studio.engine.run import Run
from studio.engine.training import Progress, TrainConfig, Trainer, TrainingWarning, precision_name

def train_for_cpu_time(family: str, dataset, run_dir: Path, cpu_seconds: float, settings: dict, threads: int,
                       precision: str = "auto") -> dict:
    """Train until this process has used `cpu_seconds` of CPU time; return what was seen."""
    cls = get_family(family)
    config = TrainConfig(**{**cls.train_defaults, "steps": 1_000_000, "preview_seconds": 0, "validate_seconds": 0,
                            "checkpoint_minutes": 1e6, "seed": 0, "threads": threads, "precision": precision})
    trainer = Trainer(dataset, run_dir, family=family, family_config=cls.Config.from_preset("small", **settings),
                      config=config)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    last, warnings, nonfinite = None, [], 0
    for event in trainer.run():
        if isinstance(event, Progress):
            last = event
            nonfinite += not all(np.isfinite(v) for v in event.losses.values())
            if time.process_time() - cpu0 >= cpu_seconds:
                trainer.request_stop()
        elif isinstance(event, TrainingWarning):
            warnings.append(f"step {event.step}: {event.message}")
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    images = last.step * trainer.batch_size
    return {"steps": last.step, "images": images, "cpu": cpu, "wall": wall, "losses": dict(last.losses),
            "warnings": warnings, "val_idx": np.asarray(trainer.val_idx), "nonfinite": nonfinite,
            "precision": f"{precision_name(trainer.dtype)}, channels_last {trainer.channels_last}"}


def side_by_side(*grids: np.ndarray, gap: int = 8) -> np.ndarray:
    height = max(g.shape[0] for g in grids)
    parts = []
    for i, g in enumerate(grids):
        parts.append(np.pad(g, ((0, height - g.shape[0]), (0, 0), (0, 0)), constant_values=255))
        if i < len(grids) - 1:
            parts.append(np.full((height, gap, g.shape[2]), 255, np.uint8))
    return np.concatenate(parts, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="demo:faces")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--cpu-minutes", type=float, default=5.0)
    parser.add_argument("--families", default="gan,vaegan,vae",
                        help="families to train in turn; \"\" only compares the VAE and VAE-GAN runs in --out")
    parser.add_argument("--out", type=Path, default=Path("bench-out"), help="folder for the grids and runs")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: on a shared machine, waiting threads spin and inflate CPU time)")
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"),
                        help="auto: bf16 autocast on AVX512-BF16/AMX CPUs, fp32 elsewhere")
    args = parser.parse_args()

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset(args.data, size=args.size)
    print(f"{args.data} at {args.size}px: {len(dataset)} images; torch threads {args.threads}; "
          f"{args.cpu_minutes:g} CPU minutes per family, preset small")
    shown = dataset.images[-16:]   # dataset images (they may be in the training split)
    for name in filter(None, args.families.split(",")):
        run_dir = out / f"run-{name}"
        shutil.rmtree(run_dir, ignore_errors=True)
        settings = {"condition": "none"} if name == "gan" else {}
        seen = train_for_cpu_time(name, dataset, run_dir, args.cpu_minutes * 60, settings, args.threads,
                                  args.precision)
        family, _ = Run.open(run_dir).load_family()
        samples = list(family.sample(64, seed=0))[-1].images
        path = save_png(out / f"{name}-samples.png", make_grid(samples, ncols=8), {"family": name, "seed": 0})
        losses = ", ".join(f"{k} {v:.4g}" for k, v in seen["losses"].items())
        print(f"{name:7s} {seen['steps']:6d} steps, {seen['images']:7d} images in {seen['cpu']:.0f} CPU s "
              f"({seen['wall']:.0f} wall s): {seen['images'] / seen['wall']:.1f} images/s wall, "
              f"{seen['images'] / seen['cpu']:.1f} images/CPU-s ({seen['precision']}); last losses: {losses}; "
              f"{seen['nonfinite']} progress events with non-finite losses; saved {path}")
        flat = lambda x: x[:64].reshape(min(64, len(x)), -1).astype(np.float32)
        spread = lambda x: float(np.mean([np.linalg.norm(a - b) for i, a in enumerate(x) for b in x[:i]]))
        print(f"        sample diversity (mean pairwise distance of the 64 samples / of 64 dataset images): "
              f"{spread(flat(samples)) / spread(flat(dataset.images)):.3f}")
        for warning in seen["warnings"]:
            print(f"        warning at {warning}")
    compare(out, shown)


def compare(out: Path, shown: np.ndarray) -> None:
    """VAE and VAE-GAN side by side, from their run folders in `out` (when both are there)."""
    runs = [out / "run-vae", out / "run-vaegan"]
    if all(Run.is_run(r) and Run.open(r).latest_checkpoint() for r in runs):
        vae, vaegan = (Run.open(r).load_family()[0] for r in runs)
        grids = [make_grid(list(f.sample(64, seed=0))[-1].images, ncols=8) for f in (vae, vaegan)]
        path = save_png(out / "vae-vs-vaegan-samples.png", side_by_side(*grids), {"left": "vae", "right": "vaegan"})
        print(f"saved {path} (same latents: VAE left, VAE-GAN right)")
        recon = [vae.decode(vae.encode(shown)), vaegan.decode(vaegan.encode(shown))]
        grids = [make_grid(shown, ncols=4)] + [make_grid(r, ncols=4) for r in recon]
        path = save_png(out / "vae-vs-vaegan-recon.png", side_by_side(*grids),
                        {"left": "input", "middle": "vae", "right": "vaegan"})
        errors = [float(np.abs(r.astype(np.float32) - shown).mean()) for r in recon]
        print(f"saved {path} (inputs, VAE, VAE-GAN); mean abs pixel error VAE {errors[0]:.2f}, "
              f"VAE-GAN {errors[1]:.2f} (of 255)")


if __name__ == "__main__":
    main()
