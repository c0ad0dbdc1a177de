"""Time to quality: train the diffusion family on demo:shapes for N minutes of CPU time, then measure from
pixels how many prompted samples show the colour and shape their prompt asks for.

    .venv/bin/python benchmarks/diffusion_time_to_quality.py [--cpu-minutes 5] [--size 32] [--threads 1] \
        [--marks 5 10 20 --cpu-minutes 30]

--marks also scores snapshots of the same run at those CPU minutes: the time-to-quality curve in one run.
--train-steps N trains N steps instead (and prints the CPU time they took): the way to compare changes that keep the
step time. Judge a change by its mean over three or four seeds (--seed), not by one run: seeds differ by several
points, and a 5 CPU-minute run's step count follows the machine's speed on the day. What this script measured, with
the command and CPU of each figure: benchmarks/RESULTS.md.
The model is the diffusion family's `light` preset (--preset, --channels/--blocks, --patch and --set change it) at
the family's batch size, learning rate, warm-up and EMA settings (what the app and the CLI train with), at the
Trainer's automatic precision (bf16 autocast on a CPU with AVX512-BF16/AMX), with the LR schedule over the
Trainer's `minutes` (as the app's "train for N minutes").
Both clocks run alongside: the Trainer's (time in training steps) and the CPU budget (process time); the first to
run out ends the run, so on a busy machine the run may use less CPU than the budget (the line "trained ... in N s
CPU time" says how much).

CPU time is time.process_time() of this process (all threads), training only: sampling and measuring come
after. The pixel meter: background = median border colour; the shape = pixels far from it; its colour = the
nearest demo palette colour to their median; its shape = nearest class centroid of three mask features
(bounding-box fill, max radius / sqrt(area), mean radius / max radius), fitted on 1000 real images. The meter's
own accuracy on the other 1000 real images is printed first: it is the ceiling of the figures after it. Each
prompt's line ends with what the meter read its misses as (most are near misses: lumpy circles read as squares,
concave triangles as stars, ragged small stars as triangles). A stricter meter turned down circles and triangles a
person would accept and was not kept (benchmarks/RESULTS.md, "The pixel meter").
Grids go to bench-out/diffusion-conditional.png and bench-out/diffusion-unconditional.png.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from studio.engine.data import load_dataset
from studio.engine.demo import _SHAPE_COLOURS, _SHAPES
from studio.engine.export import make_grid, save_png
from studio.engine.families.diffusion import DEFAULT_SAMPLER, Diffusion, DiffusionConfig
from studio.engine.run import Run
from studio.engine.training import Progress, Saved, Started, TrainConfig, Trainer

PROMPTS = ("red circle", "blue square", "green triangle", "yellow star", "purple circle", "orange square",
           "small blue star", "large red triangle")
PALETTE = np.array(list(_SHAPE_COLOURS.values()), dtype=np.float32)
COLOURS = tuple(_SHAPE_COLOURS)


def shape_mask(image: np.ndarray) -> np.ndarray:
    """(H, W) bool: pixels far from the background colour (median of the border)."""
    img = image.astype(np.float32)
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    return np.abs(img - np.median(border, axis=0)).sum(-1) > 90


def features(image: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    mask = shape_mask(image)
    if mask.sum() < 4:
        return None, None
    ys, xs = np.nonzero(mask)
    colour = COLOURS[int(np.argmin(((PALETTE - np.median(image[mask].astype(np.float32), axis=0)) ** 2).sum(1)))]
    area = float(mask.sum())
    fill = area / ((ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1))
    d = np.hypot(ys - ys.mean(), xs - xs.mean())
    return np.array([fill, d.max() / math.sqrt(area), d.mean() / max(d.max(), 1e-6)]), colour


class ShapeMeter:
    """Nearest-centroid shape classifier on mask features, fitted on labelled real images."""

    def __init__(self, images: np.ndarray, shapes: list[str]):
        feats = [(features(im)[0], s) for im, s in zip(images, shapes)]
        feats = [(f, s) for f, s in feats if f is not None]
        x = np.stack([f for f, _ in feats])
        self.mean, self.std = x.mean(0), x.std(0) + 1e-6
        self.centroids = {s: ((np.stack([f for f, t in feats if t == s]) - self.mean) / self.std).mean(0) for s in _SHAPES}

    def classify(self, image: np.ndarray) -> tuple[str | None, str | None]:
        f, colour = features(image)
        if f is None:
            return None, None
        z = (f - self.mean) / self.std
        return min(self.centroids, key=lambda s: ((z - self.centroids[s]) ** 2).sum()), colour


def wanted(prompt: str) -> tuple[str, str]:
    words = prompt.split()
    return next(w for w in words if w in COLOURS), next(w for w in words if w in _SHAPES)


def train(dataset, out: Path, args, meter=None) -> tuple[Path, int, float]:
    shape = {"channels": tuple(args.channels), "blocks": tuple(args.blocks)} if args.channels else {}
    patch = {"patch": args.patch} if args.patch else {}
    config = DiffusionConfig.from_preset(args.preset, **patch, **shape, **family_overrides(args.set))
    print(f"model: preset {args.preset}: channels {config.channels}, blocks {config.blocks}, patch {config.patch}, "
          f"attention at sides <= {config.attention_max_side}, "
          f"timesteps sampled {config.timestep_sampling}, min-SNR gamma {config.min_snr_gamma}, "
          f"prediction {config.prediction}")
    # The LR schedule runs on the Trainer's clock (`minutes`: the time spent in training steps), so the cosine decay
    # ends with the budget, as in the app's "train for N minutes"; the CPU budget below stops the run as well.
    trainer = Trainer(dataset, out / "run", family="diffusion", family_config=config,
                      config=TrainConfig(steps=args.train_steps, minutes=None if args.train_steps else args.cpu_minutes,
                                         batch_size=args.batch, lr=args.lr,
                                         warmup_steps=args.warmup, ema_decay=args.ema_decay,
                                         ema_warmup=args.ema_warmup, min_lr_ratio=args.min_lr_ratio,
                                         threads=args.threads, preview_seconds=0, validate_seconds=0,
                                         checkpoint_minutes=600, seed=args.seed,
                                         precision=args.precision))
    start, excluded = time.process_time(), 0.0         # excluded: CPU time spent scoring snapshots (--marks)
    marks = sorted(m for m in args.marks or () if m < args.cpu_minutes)
    events = trainer.run()
    for event in events:
        spent = time.process_time() - start - excluded
        if isinstance(event, Started):
            print(f"precision {event.precision} ({event.precision_reason}), channels_last {event.channels_last}, "
                  f"{event.parameters:,} parameters")
        if marks and isinstance(event, Progress) and spent >= marks[0] * 60:
            trainer.save_now()                               # saved at the next step; score that checkpoint
        elif marks and isinstance(event, Saved) and spent >= marks[0] * 60:
            c0 = time.process_time()
            family, _ = Run.open(out / "run").load_family(Path(event.path) if event.path else None)
            print(f"-- snapshot at {marks.pop(0):g} CPU min: step {event.step}")
            score(family, meter, out, args.per_prompt, args.steps, args.sampler, args.guidance, grids=False,
                  rescale=args.guidance_rescale)
            excluded += time.process_time() - c0
        if isinstance(event, Progress) and spent >= args.cpu_minutes * 60 and not args.train_steps:
            events.close()                                       # stop: the Trainer saves
            break
    cpu = time.process_time() - start - excluded
    return out / "run", trainer.step, cpu


def family_overrides(pairs: list[str]) -> dict:
    """--set key=value ... -> DiffusionConfig fields (values read as JSON when they parse, else strings)."""
    out = {}
    for pair in pairs or ():
        key, _, value = pair.partition("=")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
        if isinstance(out[key], list):
            out[key] = tuple(out[key])
    return out


def score(family, meter: ShapeMeter, out: Path, per_prompt: int, steps: int = 20, sampler: str = DEFAULT_SAMPLER,
          guidance: float = 3.0, grids: bool = True, rescale: float = 0.0) -> float:
    """Print the per-prompt match of `per_prompt` samples each; return the mean (0-1); save the grids."""
    rows, total = [], []
    c0 = time.process_time()
    for prompt in PROMPTS:
        images = list(family.sample(per_prompt, seed=0, prompt=prompt, steps=steps, sampler=sampler,
                                    guidance=guidance, guidance_rescale=rescale))[-1].images
        colour, shape = wanted(prompt)
        got = [meter.classify(im) for im in images]
        share = np.mean([s == shape and c == colour for s, c in got])
        share_c, share_s = np.mean([c == colour for _, c in got]), np.mean([s == shape for s, _ in got])
        total.append(share)
        misread = Counter(f"{c or '-'} {s or 'no shape'}" for s, c in got if (s, c) != (shape, colour))
        print(f"{prompt:<20} match {100 * share:5.1f}%   (colour {100 * share_c:5.1f}%, shape {100 * share_s:5.1f}%)"
              + (f"   read as: {', '.join(f'{k} {n}' for k, n in misread.most_common(3))}" if misread else ""))
        rows.append(images[:8])
    print(f"mean over prompts: {100 * np.mean(total):.1f}%  ({sampler} {steps} steps, guidance {guidance}; "
          f"sampling: {time.process_time() - c0:.0f} s CPU)")
    if grids:
        save_png(out / "diffusion-conditional.png", make_grid(np.concatenate(rows), ncols=8),
                 {"prompts": list(PROMPTS), "rows": "one prompt per row", "steps": steps, "guidance": guidance})
        uncond = list(family.sample(64, seed=100, prompt="", steps=steps, sampler=sampler, guidance=1.0))[-1].images
        save_png(out / "diffusion-unconditional.png", make_grid(uncond, ncols=8), {"prompt": "", "steps": steps})
        seen = [meter.classify(im) for im in uncond]
        print(f"unconditional: {sum(s is not None for s, _ in seen)}/64 show a shape; shapes "
              + ", ".join(f"{s} {sum(t == s for t, _ in seen)}" for s in _SHAPES))
        print(f"grids: {out / 'diffusion-conditional.png'}, {out / 'diffusion-unconditional.png'}")
    return float(np.mean(total))


def make_meter(size: int):
    """The pixel meter fitted on 1000 real demo:shapes images, and its accuracy on the other 1000."""
    dataset = load_dataset("demo:shapes", size=size)
    labels = [dataset.label_names[i] for i in dataset.labels]
    order = np.random.default_rng(0).permutation(len(labels))       # the files are sorted by shape folder
    fit, check = order[:1000], order[1000:]
    meter = ShapeMeter(dataset.images[fit], [labels[i] for i in fit])
    real = [(meter.classify(dataset.images[i]), labels[i], dataset.captions[i]) for i in check]
    real_ok = np.mean([shape == s and colour == wanted(cap)[0] for (shape, colour), s, cap in real])
    return dataset, meter, float(real_ok)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpu-minutes", type=float, default=5.0)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--train-steps", type=int,
                        help="train exactly this many steps (LR schedule over them) instead of --cpu-minutes: compares "
                             "changes that keep the step time, free of the machine's speed drifting")
    defaults = Diffusion.train_defaults          # what the app and the CLI train with
    parser.add_argument("--batch", type=int, default=defaults["batch_size"])
    parser.add_argument("--lr", type=float, default=defaults["lr"])
    parser.add_argument("--warmup", type=int, default=defaults.get("warmup_steps", 100), help="LR warm-up steps")
    parser.add_argument("--patch", type=int, help="U-Net patch size (default: the preset's)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                        help="the Trainer's (auto: bf16 where the CPU has AVX512-BF16/AMX); fp32 on such a CPU "
                             "stands in for one without")
    parser.add_argument("--seed", type=int, default=0, help="the training seed (weights, batches, noise)")
    parser.add_argument("--channels", type=int, nargs="+", help="U-Net widths (default: the preset's)")
    parser.add_argument("--blocks", type=int, nargs="+", help="blocks per level, with --channels")
    parser.add_argument("--preset", default="light")
    parser.add_argument("--set", nargs="*", metavar="KEY=VALUE", help="diffusion config fields, e.g. prediction=epsilon")
    parser.add_argument("--marks", type=float, nargs="+", metavar="MINUTES",
                        help="also score snapshots at these CPU minutes of the same run (the time to quality "
                             "curve; the LR schedule is planned for --cpu-minutes; scoring time is not counted)")
    parser.add_argument("--ema-decay", type=float, default=defaults.get("ema_decay", 0.999))
    parser.add_argument("--ema-warmup", type=float, default=defaults.get("ema_warmup", 10.0),
                        help="after n steps the EMA's weights are ~n/ema-warmup steps old (default: the family's)")
    parser.add_argument("--min-lr-ratio", type=float, default=0.1)
    parser.add_argument("--weights", nargs="+", choices=("ema", "raw"), default=["ema"],
                        help="score the EMA and/or the raw weights (grids: the last one)")
    parser.add_argument("--score", type=Path, help="score this trained run instead of training one")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--sampler", default=DEFAULT_SAMPLER, help="default: the app's")
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--guidance-rescale", type=float, default=0.0)
    parser.add_argument("--per-prompt", type=int, default=32)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(exist_ok=True)
    dataset, meter, real_ok = make_meter(args.size)
    print(f"pixel meter on 1000 real images: colour+shape right {100 * real_ok:.1f}%")
    if args.score:
        run_dir = args.score
    else:
        run_dir, steps, cpu = train(dataset, args.out / f"ttq-{time.strftime('%H%M%S')}", args, meter)
        print(f"trained {steps} steps (seed {args.seed}, batch {args.batch}, {args.size}px, preset {args.preset}, "
              f"{family_overrides(args.set) or 'no --set'}, "
              f"lr {args.lr}, ema {args.ema_decay} (warm-up {args.ema_warmup:g}), min lr ratio {args.min_lr_ratio}) "
              f"in {cpu:.0f} s CPU time")
    for weights in args.weights:
        family, _ = Run.open(run_dir).load_family(ema=weights == "ema")
        print(f"-- {weights} weights")
        score(family, meter, args.out, args.per_prompt, args.steps, args.sampler, args.guidance,
              grids=weights == args.weights[-1], rescale=args.guidance_rescale)


if __name__ == "__main__":
    main()
