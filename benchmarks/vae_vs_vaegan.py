"""VAE and VAE-GAN trained on the same demo set for the same CPU time, side by side.

    nice -n 5 .venv/bin/python benchmarks/vae_vs_vaegan.py [--data demo:digits] [--size 32] [--cpu-minutes 5] \
        [--threads 1] [--out bench-out] [--vaegan key=value ...] [--train-only FAMILY] [--reuse vae vaegan]

Each model trains through the real Trainer (its family's train_defaults, preset
`small`, seed 0) until this process has spent --cpu-minutes of CPU time on it
(time.process_time(); one torch thread by default, so the two get the same
compute). Then, on 16 held-out images (the Trainer's own validation split) and
32 samples from the prior (seed 0, the same latents for both), it prints

- pixel error: mean absolute error of the reconstructions, of 255;
- sharpness: mean gradient magnitude (finite differences of luminance), the
  share of spectral energy above half the Nyquist frequency and edge strength
  (the mean of each image's steepest 5% of gradients), each as a ratio to the
  same measure on real images (1.0 = as sharp as the data; a blurry model
  scores well below 1, a noisy one above it on the first two, while edge
  strength hardly rewards noise);
- flat noise: the median gradient, in grey levels, speckle where the image
  should be flat (compare it with the real images');

and saves <out>/vae-vs-vaegan.png: held-out images | VAE reconstructions |
VAE-GAN reconstructions, then VAE samples | VAE-GAN samples, each column
titled, enlarged 3x with nearest-neighbour so the pixels are visible.
demo:digits is the default because a plain VAE's samples of strokes are where the
blur shows (docs/vae-vs-vaegan-digits.png; -shapes and -faces are the other sets).
--vaegan sets VAE-GAN config fields (e.g. adv_start_steps=50) for screening;
--reuse vae [vaegan] keeps earlier runs in <out>/run-<family> instead of training again (so
--train-only vae and --train-only vaegan can train in two processes, then --reuse vae vaegan compares).
"""
from __future__ import annotations

import argparse
import ast
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from studio.engine.data import load_dataset
from studio.engine.export import make_grid, save_png
from studio.engine.run import Run
from studio.engine.training import TrainConfig, holdout_split

from gan_grids import train_for_cpu_time      # benchmarks/ is on sys.path when a script runs


def luminance(images: np.ndarray) -> np.ndarray:
    x = images.astype(np.float64) / 255.0                                   # (N, H, W, C)
    return x @ np.array([0.299, 0.587, 0.114]) if x.shape[-1] == 3 else x[..., 0]


def gradients(images: np.ndarray) -> np.ndarray:
    """|grad| of luminance (forward differences) per pixel, (N, H-1, W-1), in units of the [0, 1] range."""
    y = luminance(images)                                                    # (N, H, W)
    dx, dy = np.diff(y, axis=2)[:, :-1, :], np.diff(y, axis=1)[:, :, :-1]
    return np.sqrt(dx ** 2 + dy ** 2)


def gradient_magnitude(images: np.ndarray) -> float:
    """Mean |grad| of luminance per pixel: blur lowers it, but noise raises it too."""
    return float(gradients(images).mean())


def edge_strength(images: np.ndarray, share: float = 0.05) -> float:
    """Mean of each image's steepest `share` of |grad|: how crisp the edges are. Blur lowers it a lot;
    faint noise in flat regions hardly moves it."""
    g = gradients(images).reshape(len(images), -1)
    k = max(1, int(share * g.shape[1]))
    return float(np.sort(g, axis=1)[:, -k:].mean())


def flat_noise(images: np.ndarray) -> float:
    """Median |grad| in grey levels of 255: speckle and ringing in what should be flat areas."""
    return float(np.median(gradients(images)) * 255)


def high_frequency_share(images: np.ndarray) -> float:
    """Share of the (mean-removed) luminance spectrum's energy above half the Nyquist frequency."""
    y = luminance(images)
    y = y - y.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fft2(y)) ** 2                                      # (N, H, W)
    fy = np.abs(np.fft.fftfreq(y.shape[1]))[:, None]
    fx = np.abs(np.fft.fftfreq(y.shape[2]))[None, :]
    high = np.maximum(fy, fx) > 0.25                                          # beyond half of Nyquist (0.5)
    return float(power[:, high].sum() / max(power.sum(), 1e-12))


def titled(grid: np.ndarray, title: str, scale: int = 3) -> np.ndarray:
    if grid.ndim == 2 or grid.shape[-1] == 1:                                # grayscale data: show it as RGB
        grid = np.repeat(grid.reshape(*grid.shape[:2], 1), 3, axis=2)
    big = Image.fromarray(grid).resize((grid.shape[1] * scale, grid.shape[0] * scale), Image.NEAREST)
    canvas = Image.new("RGB", (big.width, big.height + 22), "white")
    canvas.paste(big, (0, 22))
    ImageDraw.Draw(canvas).text((4, 5), title, fill="black")
    return np.asarray(canvas)


def side_by_side(*grids: np.ndarray, gap: int = 12) -> np.ndarray:
    height = max(g.shape[0] for g in grids)
    parts = []
    for i, g in enumerate(grids):
        parts.append(np.pad(g, ((0, height - g.shape[0]), (0, 0), (0, 0)), constant_values=255))
        if i < len(grids) - 1:
            parts.append(np.full((height, gap, 3), 255, np.uint8))
    return np.concatenate(parts, axis=1)


def parse_settings(pairs: list[str]) -> dict:
    settings = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            settings[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            settings[key] = value
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="demo:digits")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--cpu-minutes", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--vaegan", nargs="*", default=[], metavar="KEY=VALUE", help="VAE-GAN config fields")
    parser.add_argument("--reuse", nargs="*", default=[], choices=("vae", "vaegan"),
                        help="keep the earlier run(s) in --out instead of training again")
    parser.add_argument("--train-only", choices=("vae", "vaegan"),
                        help="train just this one and stop (to run the two in parallel processes; then --reuse vae vaegan)")
    parser.add_argument("--name", default="vae-vs-vaegan", help="file name of the side-by-side image")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset(args.data, size=args.size)
    print(f"{args.data} at {args.size}px: {len(dataset)} images; torch threads {args.threads}; "
          f"{args.cpu_minutes:g} CPU minutes each, preset small")

    models, val_idx = {}, None
    for family, settings in (("vae", {}), ("vaegan", parse_settings(args.vaegan))):
        if args.train_only and family != args.train_only:
            continue
        run_dir = args.out / f"run-{family}"
        if family in args.reuse and Run.is_run(run_dir):
            print(f"{family:7s} reused from {run_dir}")
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
            seen = train_for_cpu_time(family, dataset, run_dir, args.cpu_minutes * 60, settings, args.threads)
            val_idx = seen["val_idx"]
            losses = ", ".join(f"{k} {v:.4g}" for k, v in seen["losses"].items() if k not in ("lr", "images_per_sec"))
            print(f"{family:7s} {seen['steps']:5d} steps in {seen['cpu']:.0f} CPU s ({seen['wall']:.0f} wall s)"
                  f"{' with ' + str(settings) if settings else ''}; last losses: {losses}")
            for warning in seen["warnings"]:
                print(f"        warning at {warning}")
        models[family] = Run.open(run_dir).load_family()[0]
    if args.train_only:
        return

    if val_idx is None:                                                   # the Trainer's split, as in training
        val_idx = np.asarray(holdout_split(len(dataset), TrainConfig().holdout, 0)[1])
    shown = dataset.images[val_idx[np.linspace(0, len(val_idx) - 1, 16).astype(int)]]   # held-out, all classes
    real = dataset.images[val_idx]
    recon = {k: m.decode(m.encode(shown)) for k, m in models.items()}
    samples = {k: list(m.sample(32, seed=0))[-1].images for k, m in models.items()}
    g_real, h_real, e_real = gradient_magnitude(real), high_frequency_share(real), edge_strength(real)
    print(f"real    sharpness: gradient {g_real:.4f}, high-frequency share {h_real:.4f}, edge strength {e_real:.4f}, "
          f"flat noise {flat_noise(real):.2f}")

    def measures(images: np.ndarray) -> str:
        return (f"gradient {gradient_magnitude(images) / g_real:.3f}, high-freq {high_frequency_share(images) / h_real:.3f}, "
                f"edges {edge_strength(images) / e_real:.3f}, flat noise {flat_noise(images):.2f}")

    for k in models:
        error = float(np.abs(recon[k].astype(np.float32) - shown).mean())
        print(f"{k:7s} reconstructions: pixel error {error:.2f} of 255, {measures(recon[k])}")
        print(f"{k:7s} samples:         {measures(samples[k])}")
    panels = [titled(make_grid(shown, ncols=4), "held-out images"),
              titled(make_grid(recon["vae"], ncols=4), "VAE reconstructions"),
              titled(make_grid(recon["vaegan"], ncols=4), "VAE-GAN reconstructions"),
              titled(make_grid(samples["vae"], ncols=4), "VAE samples"),
              titled(make_grid(samples["vaegan"], ncols=4), "VAE-GAN samples (same z)")]
    path = save_png(args.out / f"{args.name}.png", side_by_side(*panels),
                    {"data": args.data, "cpu_minutes": args.cpu_minutes})
    print(f"saved {path}")


if __name__ == "__main__":
    main()
