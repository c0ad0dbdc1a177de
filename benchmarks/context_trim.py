"""Diffusion sampling with the U-Net's context trimmed (the padding every row masks dropped, and no mask where
every token left is attended: exact, and meant to spare attention's masked path) against the whole padded context
with its mask (what the U-Net does), alternating in one process, in CPU seconds of one thread (a loaded machine shows the ratio, if not the absolute figures). Unprompted
and prompted, in the precision `genstudio sample` picks; the images of the two must agree.

    genstudio train demo:shapes --family diffusion --size 16 --steps 10 --out RUN
    .venv/bin/python benchmarks/context_trim.py --run RUN [--n 128] [--steps 6] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import cpu_name                                          # noqa: E402
from studio.engine import Run, choose_sampling_precision            # noqa: E402
from studio.engine.inference import precision_frames                # noqa: E402
from studio.engine.nn import UNet                                     # noqa: E402

WHOLE = UNet.forward


def trim_context(context: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    used = mask.any(0).nonzero()
    length = int(used[-1]) + 1 if len(used) else 1
    context, mask = context[:, :length], mask[:, :length]
    return context, None if bool(mask.all()) else mask


def trimmed(self, x, t, context=None, context_mask=None, pooled=None):
    if context is not None and context_mask is not None:
        context, context_mask = trim_context(context, context_mask)
    return WHOLE(self, x, t, context, context_mask, pooled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True)
    parser.add_argument("--n", type=int, default=128)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--prompt", default="red circle", help="the prompted case's prompt")
    args = parser.parse_args()
    torch.set_num_threads(1)
    family, _ = Run.open(args.run).load_family(None, device=torch.device("cpu"))
    precision = choose_sampling_precision(family, "auto")
    print(f"{cpu_name()}; {family.name} {family.data.image_size} px, {args.n} images, {args.steps} steps, "
          f"{precision.name}, 1 thread, torch {torch.__version__}")
    cases = {"trimmed": trimmed, "whole context": WHOLE}
    for prompt in (None, args.prompt):
        seconds: dict[str, list[float]] = {name: [] for name in cases}
        images: dict[str, np.ndarray] = {}
        for _ in range(args.repeats):
            for name, function in cases.items():
                UNet.forward = function
                start = time.process_time()
                with torch.inference_mode():
                    for frame in precision_frames(family, family.sample(args.n, seed=0, prompt=prompt,
                                                                        steps=args.steps), precision):
                        pass
                seconds[name].append(time.process_time() - start)
                images[name] = frame.images
        UNet.forward = WHOLE
        apart = int(np.abs(images["trimmed"].astype(int) - images["whole context"].astype(int)).max())
        medians = {name: statistics.median(values) for name, values in seconds.items()}
        print(f"prompt {prompt!r}: " + "; ".join(f"{name} {', '.join(f'{s:.2f}' for s in values)} CPU s"
                                                  for name, values in seconds.items())
              + f"; median ratio trimmed / whole {medians['trimmed'] / medians['whole context']:.2f}; "
              f"images {apart} grey levels apart at most")


if __name__ == "__main__":
    main()
