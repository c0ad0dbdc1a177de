"""Image GPT beside the PixelCNN after the same training minutes on the same demo set: sample grids and
held-out bits/dim.

    OMP_NUM_THREADS=1 genstudio train demo:SET --family igpt --minutes 5 --out RUNS/SET-igpt
    OMP_NUM_THREADS=1 genstudio train demo:SET --family autoregressive --minutes 5 --out RUNS/SET-autoregressive
    .venv/bin/python benchmarks/igpt_grids.py --runs RUNS --sets digits,faces,shapes [--n 32]

For each set: the steps each run reached and its training seconds (from its checkpoint), exact held-out bits/dim
over the 256 levels (both families' `bpd`; Image GPT's also without the palette's cost, `palette_bpd`), and
docs/igpt-5cpumin-SET.png: n samples of each (seed 0; Image GPT also with a prompt where the set has words),
and Image GPT's row-by-row frames of the first four samples.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import labelled, side_by_side                # noqa: E402
from studio.engine.data import load_dataset              # noqa: E402
from studio.engine.export import make_grid                # noqa: E402
from studio.engine.families.base import Batch             # noqa: E402
from studio.engine.run import Run                         # noqa: E402
from studio.engine.training.trainer import holdout_split  # noqa: E402

PROMPTS = {"digits": "3", "faces": "smiling blue face with big eyes", "shapes": "red circle"}
SCALE = 3


def held_out_bits(family, dataset, meta) -> dict[str, float]:
    """Mean exact bits/dim of the run's own held-out images (captions and labels kept, as in its validation)."""
    train = meta["train_config"]
    _, val_idx = holdout_split(len(dataset), train["holdout"], train["seed"])
    x = torch.from_numpy(dataset.images[val_idx]).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    labels = None if dataset.labels is None else torch.from_numpy(dataset.labels[val_idx])
    captions = tuple(dataset.captions[i] for i in val_idx.tolist()) if any(dataset.captions) else None
    totals: dict[str, float] = {}
    for start in range(0, len(x), 20):
        part = slice(start, start + 20)
        losses = family.validation_losses(Batch(x[part], None if labels is None else labels[part],
                                                None if captions is None else captions[part]))
        for key, value in losses.items():
            totals[key] = totals.get(key, 0.0) + value * len(x[part])
    return {key: value / len(x) for key, value in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", required=True, help="folder holding SET-igpt and SET-autoregressive runs")
    parser.add_argument("--sets", default="digits,faces,shapes")
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--out", default=str(ROOT / "docs"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name in args.sets.split(","):
        dataset = load_dataset(f"demo:{name}")
        panels = []
        for family_name in ("igpt", "autoregressive"):
            run = Run.open(Path(args.runs) / f"{name}-{family_name}")
            family, ckpt = run.load_family()
            meta = ckpt.meta
            bits = held_out_bits(family, dataset, meta)
            print(f"{name:7s} {family_name:15s} steps {meta['step']:5d}  train {meta['train_seconds']:6.0f} s  "
                  + "  ".join(f"{k} {v:.3f}" for k, v in sorted(bits.items())))
            frames = list(family.sample(args.n, seed=0))
            title = "Image GPT" if family_name == "igpt" else "PixelCNN"
            panels.append(labelled(make_grid(frames[-1].images, 8),
                                   f"{title}: step {meta['step']}, held-out {bits['bpd']:.2f} bits/dim", scale=SCALE))
            if family_name == "igpt":
                rows = [frames[i * len(frames) // 4 - 1].images[:4] for i in range(1, 4)]
                panels.append(labelled(make_grid(np.concatenate(rows), 4), "rows 1/4, 2/4, 3/4 written",
                                       scale=SCALE))
                if family.tokenizer.vocabulary:
                    prompted = list(family.sample(args.n, seed=0, prompt=PROMPTS[name]))[-1].images
                    panels.append(labelled(make_grid(prompted, 8), f'Image GPT, prompt "{PROMPTS[name]}"',
                                           scale=SCALE))
        path = Path(args.out) / f"igpt-5cpumin-{name}.png"
        side_by_side(panels).save(path)
        print("wrote", path)


if __name__ == "__main__":
    main()
