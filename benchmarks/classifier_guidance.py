"""Classifier guidance against classifier-free guidance (issue 27, part 2), and what the noisy classifier costs.

    nice -n 5 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/classifier_guidance.py cost [--steps 40]
    nice -n 5 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/classifier_guidance.py step-cost \
        [--steps 6] [--precision bf16]
    nice -n 5 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/classifier_guidance.py grids \
        [--sets digits,shapes] [--cpu-minutes 5] [--n 100] [--runs DIR]

cost:   training seconds per step of the diffusion family at what `genstudio train demo:SET --family diffusion`
        chooses (plan_training), with `classifier` on and off, side by side as a ratio; the two alternate in
        rounds of --steps steps so a change in the machine's load falls on both.
step-cost: the same without the Trainer: Diffusion.train_step alone (its real optimizers, channels_last, fp32 or a
        bf16 autocast as the Trainer's), classifier off, on with classifier_batch 16 (the default) and on with all
        of the batch, one step of each in turn on the same batch, median CPU seconds after two warm-up steps.
grids:  the family at those defaults (classifier on) trained for 5 CPU-minutes (common.train_for_cpu_minutes),
        then the same seeds and prompts (in the data's proportions, studio.engine.evaluation) sampled with
        classifier-free guidance (guidance 3), classifier guidance at several scales, and both; each scored for
        prompt adherence and KID against the held-out images; the classifier's accuracy on all held-out images by
        noise level. Writes docs/diffusion-guidance-SET.png (the first 16 samples of each kind, same seeds).
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from common import cpu_minutes, cpu_name, drain, train_for_cpu_minutes

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studio.engine import load_dataset                                     # noqa: E402
from studio.engine.evaluation.evaluate import prepare_reference, score_images   # noqa: E402
from studio.engine.export import make_grid                                 # noqa: E402
from studio.engine.families.base import Batch, from_uint8_images           # noqa: E402
from studio.engine.families.diffusion import DiffusionConfig               # noqa: E402
from studio.engine.families.noisy_classifier import noisy_accuracy         # noqa: E402
from studio.engine.run import Run                                          # noqa: E402
from studio.engine.training import Trainer                                 # noqa: E402
from studio.engine.training.config import TrainConfig                      # noqa: E402
from studio.engine.training.plan import DataFacts, plan_training           # noqa: E402
from studio.engine.training.trainer import holdout_split                   # noqa: E402

# (label, sampling options): the same seeds and prompts under each
KINDS = [
    ("classifier-free g=3", dict(guidance_kind="classifier-free", guidance=3.0)),
    ("unguided (no prompt)", dict(guidance_kind="classifier", classifier_scale=0.0)),
    ("classifier s=1", dict(guidance_kind="classifier", classifier_scale=1.0)),
    ("classifier s=3", dict(guidance_kind="classifier", classifier_scale=3.0)),
    ("classifier s=10", dict(guidance_kind="classifier", classifier_scale=10.0)),
    ("both g=3 s=2", dict(guidance_kind="both", guidance=3.0, classifier_scale=2.0)),
]
SCALE = 3


def planned(dataset, minutes: float, seed: int = 0, **train):
    plan = plan_training("diffusion", DataFacts.of(dataset), device="cpu", given={"minutes": minutes})
    config = plan.train_config(seed=seed, threads=1, device="cpu", preview_seconds=0, quality_minutes=0,
                               checkpoint_minutes=600, **train)
    return plan, config


def cost(args) -> None:
    print(f"# {cpu_name()}, 1 thread; seconds per training step (Trainer.train_seconds / steps, CPU time)")
    print(f"{'set':8} {'preset':7} {'batch':>5} {'size':>4} {'off s/step':>10} {'on s/step':>10} {'on/off':>7}")
    for name in args.sets.split(","):
        dataset = load_dataset(f"demo:{name}")
        plan, _ = planned(dataset, 5)
        times = {False: [], True: []}
        for round_ in range(args.rounds):
            for on in (False, True):
                _, config = planned(dataset, 5, seed=round_)
                config = dataclasses.replace(config, steps=args.steps, minutes=None, validate_seconds=1e6)
                family_config = DiffusionConfig.from_preset(plan.model_preset or "small", classifier=on)
                with tempfile.TemporaryDirectory() as tmp:
                    trainer = Trainer(dataset, Path(tmp) / "run", family="diffusion", family_config=family_config,
                                      config=config)
                    with cpu_minutes():                 # train_seconds in process CPU time
                        drain(trainer.run())
                    times[on].append(trainer.train_seconds / trainer.step)
        off, on = float(np.median(times[False])), float(np.median(times[True]))
        print(f"{name:8} {plan.model_preset:7} {config.batch_size:5d} {dataset.images.shape[1]:4d} "
              f"{off:10.3f} {on:10.3f} {on / off:7.3f}", flush=True)


class _Context:
    """A StepContext stepping the family's own optimizers."""

    def __init__(self, family, lr: float, precision: str):
        self.step, self.device, self.precision = 0, torch.device("cpu"), precision
        self.optimizers = family.optimizers(lr)

    def autocast(self):
        return torch.autocast("cpu", torch.bfloat16) if self.precision == "bf16" else contextlib.nullcontext()

    def optimize(self, name, loss):
        loss.backward()
        self.optimizers[name].step()
        self.optimizers[name].zero_grad(set_to_none=True)
        return True


def step_cost(args) -> None:
    from studio.engine.families.base import DataInfo
    from studio.engine.families.diffusion import Diffusion
    from studio.engine.text import build_vocabulary

    print(f"# {cpu_name()}, 1 thread, {args.precision}; CPU seconds per Diffusion.train_step (median)")
    variants = {"off": dict(classifier=False), "on, 16 images": dict(classifier=True, classifier_batch=16),
                "on, whole batch": dict(classifier=True, classifier_batch=4096)}
    for name in args.sets.split(","):
        dataset = load_dataset(f"demo:{name}")
        plan, config = planned(dataset, 5)
        captions = any(dataset.captions)
        data = DataInfo(dataset.images.shape[1], dataset.images.shape[3], tuple(dataset.label_names), captions,
                        build_vocabulary(list(dataset.captions) + list(dataset.label_names)))
        runs = {}
        for label, changes in variants.items():
            torch.manual_seed(0)
            family = Diffusion(DiffusionConfig.from_preset(plan.model_preset or "small", **changes), data)
            family.to(torch.device("cpu"), torch.channels_last)
            family.train()
            runs[label] = (family, _Context(family, config.lr, args.precision), [])
        generator = torch.Generator().manual_seed(0)
        for step in range(args.steps + 2):
            idx = torch.randint(0, len(dataset), (config.batch_size,), generator=generator).numpy()
            x = from_uint8_images(dataset.images[idx]).contiguous(memory_format=torch.channels_last)
            labels = torch.from_numpy(dataset.labels[idx]) if dataset.labels is not None else None
            batch = Batch(x, labels, tuple(dataset.captions[i] for i in idx.tolist()) if captions else None)
            for family, ctx, times in runs.values():
                started = time.process_time()
                family.train_step(batch, ctx)
                if step >= 2:
                    times.append(time.process_time() - started)
        off = float(np.median(runs["off"][2]))
        print(f"{name}: preset {plan.model_preset}, batch {config.batch_size}, {dataset.images.shape[1]} px: "
              + ", ".join(f"{label} {np.median(t):.3f} s ({np.median(t) / off:.3f}x)" for label, (_, _, t)
                          in runs.items()), flush=True)


def labelled(grid: np.ndarray, text: str) -> Image.Image:
    image = Image.fromarray(grid.squeeze(-1) if grid.shape[-1] == 1 else grid).convert("RGB")
    image = image.resize((image.width * SCALE, image.height * SCALE), Image.NEAREST)
    out = Image.new("RGB", (image.width, image.height + 30), "white")
    out.paste(image, (0, 30))
    for i, line in enumerate(text.split("\n")):
        ImageDraw.Draw(out).text((4, 2 + 13 * i), line, fill="black")
    return out


def sample_all(family, prompts: list[str], seed: int, options: dict) -> np.ndarray:
    """One image per prompt, image i from seed + i whatever the batch (prompts grouped by sample_prompts)."""
    images = []
    for start in range(0, len(prompts), 25):
        frames = list(family.sample_prompts(prompts[start:start + 25], seed=seed + start, **options))
        images.append(frames[-1].images)
    return np.concatenate(images)


def grids(args) -> None:
    runs = Path(args.runs) if args.runs else Path(tempfile.mkdtemp(prefix="cg-runs-"))
    results = {}
    for name in args.sets.split(","):
        dataset = load_dataset(f"demo:{name}")
        folder = runs / f"{name}-diffusion"
        plan, config = planned(dataset, args.cpu_minutes)
        row = {"preset": plan.model_preset, "batch": config.batch_size, "size": int(dataset.images.shape[1])}
        if not (folder / "config.json").exists():
            family_config = DiffusionConfig.from_preset(plan.model_preset or "small", classifier=True)
            trainer = Trainer(dataset, folder, family="diffusion", family_config=family_config, config=config)
            row["cpu_seconds"] = train_for_cpu_minutes(trainer)
            row["steps"] = trainer.step
        family, ckpt = Run.open(folder).load_family()
        row.setdefault("steps", ckpt.step)
        # the classifier's accuracy on every held-out image, by noise level
        _, held = holdout_split(len(dataset), config.holdout, config.seed)
        x0 = from_uint8_images(dataset.images[held])
        labels = torch.from_numpy(dataset.labels[held]) if dataset.labels is not None else None
        texts = [dataset.captions[i] or "" for i in held] if any(dataset.captions) else [""] * len(held)
        classifier = family.eval_module("classifier").eval()
        captions = family.captions(Batch(x0, labels, tuple(texts)))
        row["accuracy"] = noisy_accuracy(classifier, family.targets, x0, labels, captions, family.alphas_cumprod)
        row["classifier_kind"] = family.targets.kind
        train_idx, heldout_idx = holdout_split(len(dataset), TrainConfig().holdout, 0)
        reference = drain(prepare_reference(dataset, train_idx, heldout_idx, seed=0))
        prompts = [p or "" for p in reference.prompts_for(args.n, 0)]
        row["kinds"] = {}
        panels = []
        for label, options in KINDS:
            started = time.process_time()
            images = sample_all(family, prompts, 0, options)
            seconds = time.process_time() - started
            scored = score_images(reference, images, prompts, seed=0)
            row["kinds"][label] = {"adherence": scored.model.value("adherence"), "kid": scored.model.value("kid"),
                                   "sample_cpu_seconds": seconds}
            print(name, label, row["kinds"][label], flush=True)
            panels.append(labelled(make_grid(images[:16], ncols=4),
                                   f"{label}\nadherence {scored.model.value('adherence'):.2f}"))
        width = sum(p.width for p in panels) + 8 * (len(panels) - 1)
        figure = Image.new("RGB", (width, max(p.height for p in panels) + 18), "white")
        ImageDraw.Draw(figure).text((4, 2), f"demo:{name}, {args.cpu_minutes:g} CPU-min, same seeds; prompts: "
                                    + ", ".join(prompts[:4]) + ", ...", fill="black")
        x = 0
        for panel in panels:
            figure.paste(panel, (x, 18))
            x += panel.width + 8
        out = Path(args.out) / f"diffusion-guidance-{name}.png"
        figure.save(out)
        print(name, json.dumps(row, default=str), flush=True)
        results[name] = row
    print(json.dumps(results, indent=1, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("cost", "step-cost", "grids"))
    parser.add_argument("--sets", default="digits,shapes")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cpu-minutes", type=float, default=5.0)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--runs", default="")
    parser.add_argument("--precision", default="bf16", choices=("fp32", "bf16"))
    parser.add_argument("--out", default=str(ROOT / "docs"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    {"cost": cost, "step-cost": step_cost, "grids": grids}[args.what](args)


if __name__ == "__main__":
    main()
