"""Sample grids of the flow and the autoregressive family after N minutes of CPU time on a demo set.

    .venv/bin/python benchmarks/flow_ar_grids.py [--families flow,autoregressive] [--cpu-minutes 5]
                                                 [--data demo:shapes] [--size 32] [--preset small] [--threads 1]
                                                 [--precision auto]

Each family trains through the real Trainer (CPU, --precision: auto picks bf16
autocast on AVX512-BF16/AMX CPUs, fp32 elsewhere) until the process has
used --cpu-minutes of CPU time (time.process_time(), all threads) on it, then:
held-out bits/dim (exact for the autoregressive model, the dequantized bound
for the flow; a uniform model scores 8) are printed, and into bench-out/ (--out) go a
grid of 64 samples (flow: at temperature 0.7 and 1.0, and flow-temperatures.png, 12 samples at
each of 0.5-1.0 with the share of saturated pixel values printed; autoregressive: one row
per class label when the data has labels, then unconditional rows, and
autoregressive-temperatures.png, 8 unconditional samples at each of 0.5-1.0, with the
roughness of samples and held-out images printed) and, for the autoregressive model,
the row-by-row writing as an animated GIF.
"""
from __future__ import annotations

import argparse
import ast
import time
from pathlib import Path

import numpy as np
import torch

from studio.engine.data import load_dataset
from studio.engine.export import make_grid, save_animation, save_png
from studio.engine.training import Progress, TrainConfig, Trainer, precision_name

OUT = Path(__file__).resolve().parent.parent / "bench-out"
TEMPERATURES = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def train_for_cpu_time(family: str, dataset, preset: str, cpu_seconds: float, run_dir: Path,
                       settings: dict | None = None, batch_size: int | None = None, lr: float | None = None,
                       precision: str = "auto") -> Trainer:
    from studio.engine.families.base import get_family
    cls = get_family(family)
    config = TrainConfig(steps=None, minutes=120.0, batch_size=batch_size or cls.train_defaults.get("batch_size", 64),
                         lr=lr or cls.train_defaults.get("lr", 1e-3), warmup_steps=20, device="cpu", precision=precision,
                         seed=0, preview_seconds=0, validate_seconds=0, checkpoint_minutes=60)
    trainer = Trainer(dataset, run_dir, family=family, family_config=cls.Config.from_preset(preset, **(settings or {})),
                      config=config)
    start = time.process_time()
    next_report = 0.0
    for event in trainer.run():
        used = time.process_time() - start
        if isinstance(event, Progress) and used >= next_report:       # no validation passes: they would eat CPU time
            print(f"  {family} step {event.step}: training {dict(event.losses)}  (cpu {used:.0f} s)", flush=True)
            next_report += 30.0
        if used >= cpu_seconds:
            trainer.request_stop()
    used = time.process_time() - start
    images = trainer.result.step * config.batch_size
    print(f"  {family}: {trainer.result.status} at step {trainer.result.step} after {used:.0f} s of CPU time "
          f"({images / used:.1f} training images per CPU-second; {precision_name(trainer.dtype)}, "
          f"channels_last {trainer.channels_last}, batch {config.batch_size}, lr {config.lr:g})", flush=True)
    return trainer


def flow_grids(family, seed: int = 0) -> list[Path]:
    paths = []
    for temperature in (0.7, 1.0):
        images = list(family.sample(64, seed=seed, temperature=temperature))[-1].images
        paths.append(save_png(OUT / f"flow-samples-t{temperature}.png", make_grid(images, ncols=8),
                              {"family": "flow", "seed": seed, "temperature": temperature}))
    rows = []                                    # one row of 12 per temperature, the same seeds in every row
    for temperature in TEMPERATURES:
        images = list(family.sample(12, seed=seed, temperature=temperature))[-1].images
        saturated = float((np.abs(images.astype(np.int16) - 127.5) > 120).mean())
        print(f"flow: temperature {temperature:.1f}: {saturated:.1%} of sample pixel values at 0-7 or 248-255", flush=True)
        rows.append(images)
    paths.append(save_png(OUT / "flow-temperatures.png", make_grid(np.concatenate(rows), ncols=12),
                          {"family": "flow", "seed": seed, "rows": list(TEMPERATURES)}))
    return paths


def roughness(images: np.ndarray) -> float:
    """Mean absolute difference between neighbouring pixels (0-255): salt-and-pepper noise raises it."""
    x = images.astype(np.float32)
    return float((np.abs(np.diff(x, axis=1)).mean() + np.abs(np.diff(x, axis=2)).mean()) / 2)


def autoregressive_grids(family, held: np.ndarray, seed: int = 0) -> list[Path]:
    names = family.data.label_names[:7]
    rows = [list(family.sample(8, seed=seed + 8 * i, label=i))[-1].images for i in range(len(names))]
    frames = list(family.sample(8 * (8 - len(rows)), seed=seed + 1000))            # unconditional rows
    images = np.concatenate(rows + [frames[-1].images])
    print(f"autoregressive: roughness of held-out images {roughness(held):.1f}, of the grid {roughness(images):.1f}",
          flush=True)
    paths = [save_png(OUT / "autoregressive-samples.png", make_grid(images, ncols=8),
                      {"family": "autoregressive", "seed": seed, "rows": list(names) + ["no label"]})]
    grids = [make_grid(frame.images, ncols=8) for frame in frames]
    paths.append(save_animation(OUT / "autoregressive-writing.gif", grids, {"family": "autoregressive"}, fps=8))
    rows = []                                    # one row of 8 per temperature, the same seeds in every row
    for temperature in TEMPERATURES:
        rows.append(list(family.sample(8, seed=seed + 2000, temperature=temperature))[-1].images)
        print(f"autoregressive: temperature {temperature:.1f}: roughness {roughness(rows[-1]):.1f}", flush=True)
    paths.append(save_png(OUT / "autoregressive-temperatures.png", make_grid(np.concatenate(rows), ncols=8),
                          {"family": "autoregressive", "seed": seed + 2000, "rows": list(TEMPERATURES)}))
    return paths


def main() -> None:
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="flow,autoregressive")
    parser.add_argument("--cpu-minutes", type=float, default=5.0)
    parser.add_argument("--data", default="demo:shapes")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--preset", default="small")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: on a shared machine, idle threads spinning would count as CPU time)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the grids and runs")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="config fields (screening)")
    parser.add_argument("--batch-size", type=int, help="instead of the family's default")
    parser.add_argument("--lr", type=float, help="instead of the family's default")
    parser.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"))
    args = parser.parse_args()
    OUT = args.out
    settings = {k: ast.literal_eval(v) if v[:1].isdigit() or v[:1] in "-.(" else v
                for k, _, v in (pair.partition("=") for pair in args.set)}
    torch.set_num_threads(args.threads)
    OUT.mkdir(exist_ok=True)
    dataset = load_dataset(args.data, size=args.size)
    print(f"{args.data} at {args.size}x{args.size}, preset {args.preset}, {args.cpu_minutes:g} CPU minutes per family, "
          f"{torch.get_num_threads()} thread(s); uniform model: 8 bits/dim", flush=True)
    for name in [n.strip() for n in args.families.split(",") if n.strip()]:
        run_dir = OUT / f"runs/{name}-{time.strftime('%Y%m%d-%H%M%S')}"
        trainer = train_for_cpu_time(name, dataset, args.preset, args.cpu_minutes * 60, run_dir, settings,
                                     args.batch_size, args.lr, args.precision)
        family = trainer.family
        family.eval()
        held = dataset.images[trainer.val_idx]
        bpd = family.log_likelihood(held)
        print(f"{name}: held-out bits/dim {bpd.mean():.3f} (± {bpd.std():.3f} over {len(held)} images)", flush=True)
        start = time.process_time()
        paths = flow_grids(family) if name == "flow" else autoregressive_grids(family, held)
        print(f"{name}: wrote " + ", ".join(str(p) for p in paths) +
              f" ({time.process_time() - start:.0f} CPU-s of sampling)", flush=True)


if __name__ == "__main__":
    main()
