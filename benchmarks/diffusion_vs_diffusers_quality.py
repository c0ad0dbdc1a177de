"""Quality for the same CPU time: genstudio's diffusion family at its defaults against diffusers' UNet2DModel
with diffusers' own usual settings, on every data set, scored by genstudio's evaluation (issue 25, "Measured").

    .venv/bin/pip install -e '.[bench]'        # diffusers: benchmark only, never a runtime dependency
    nice -n 10 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/diffusion_vs_diffusers_quality.py \
        [--sets demo:digits,demo:faces,demo:shapes] [--extra DIR] [--size 16] [--cpu-minutes 3] [--seeds 0,1]

One process, one thread. For each set and seed:
  genstudio  the diffusion family with what `genstudio train DATA --family diffusion --minutes M` chooses
             (plan_training: preset, batch, lr, optimizer, EMA, precision), trained by the Trainer for M minutes
             of training-step CPU time (the Trainer's clock is swapped for time.process_time, so a loaded machine
             changes the wall time, not the budget; previews and the in-training quality meter off: they do not
             change the model). Sampled as `genstudio evaluate` does: the EMA weights, the default sampler, steps
             and guidance, prompts in the data's proportions.
  diffusers  UNet2DModel configured as benchmarks/diffusion_vs_diffusers.py does (its default two layers a
             block, widths (64, 128, 128), attention at the lowest level), trained as diffusers'
             train_unconditional example does (AdamW betas (0.95, 0.999), weight decay 1e-6, cosine schedule with
             warm-up, batch 16, EMA with its warm-up, DDPMScheduler with the linear betas, epsilon prediction), at
             lr 2e-4; class-conditional (num_class_embeds with a null class dropped in 10% of the time) where the
             evaluation prompts with label names or with a small set of captions (one class per caption); the
             same train split and the same CPU seconds, counted with time.process_time over its whole loop (EMA
             included). Sampled with DDIMScheduler, 50 steps, guidance 3 where conditional, the same prompts.
Both are scored against the same held-out images with the same feature network (studio.engine.evaluation):
KID (lower is better), recall and prompt adherence (higher is better), 200 samples each.
DIR: scripts/build_eval_datasets.py --out DIR (glyphs, textures).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from common import cpu_name, drain, train_for_cpu_minutes
from studio.engine import load_dataset
from studio.engine.evaluation.evaluate import evaluate_run, prepare_reference, score_images
from studio.engine.evaluation.features import LABELS, SELF_SUPERVISED
from studio.engine.families.base import from_uint8_images, to_uint8_images
from studio.engine.families.diffusion import DiffusionConfig
from studio.engine.training import Trainer
from studio.engine.training.device import cpu_has_fast_bf16
from studio.engine.training.config import TrainConfig
from studio.engine.training.plan import DataFacts, plan_training
from studio.engine.training.trainer import holdout_split

SAMPLES = 200
SCORES = ("kid", "recall", "adherence")
MAX_CAPTION_CLASSES = 256       # captions as diffusers classes only when there are few distinct ones


# -- genstudio ------------------------------------------------------------------------------------------------------
def train_genstudio(dataset, size: int, seed: int, minutes: float, folder: Path) -> dict:
    plan = plan_training("diffusion", DataFacts.of(dataset), device="cpu",
                         given={"image_size": size, "minutes": minutes})
    config = plan.train_config(seed=seed, threads=1, device="cpu", preview_seconds=0, quality_minutes=0,
                               checkpoint_minutes=600)
    family_config = DiffusionConfig.from_preset(plan.model_preset or "small")
    trainer = Trainer(dataset, folder, family="diffusion", family_config=family_config, config=config)
    cpu_seconds = train_for_cpu_minutes(trainer)
    return {"cpu_seconds": cpu_seconds, "train_cpu_seconds": trainer.train_seconds,
            "steps": trainer.step, "batch": config.batch_size, "lr": config.lr, "preset": plan.model_preset,
            "precision": str(trainer.dtype).replace("torch.", "") if trainer.dtype else "float32",
            "optimizer": family_config.optimizer}


# -- diffusers ------------------------------------------------------------------------------------------------------
def diffusers_unet(size: int, channels: int, classes: int):
    from diffusers import UNet2DModel
    return UNet2DModel(sample_size=size, in_channels=channels, out_channels=channels,
                       block_out_channels=(64, 128, 128), layers_per_block=2,
                       down_block_types=("DownBlock2D", "DownBlock2D", "AttnDownBlock2D"),
                       up_block_types=("AttnUpBlock2D", "UpBlock2D", "UpBlock2D"), attention_head_dim=32,
                       num_class_embeds=classes + 1 if classes else None)      # + the null class for guidance


def class_targets(reference, dataset) -> tuple[list[str], np.ndarray | None]:
    """The classes the diffusers model is conditioned on, as the evaluation will prompt: label names, or each
    distinct caption a class; (names, class id per image) or ([], None) for no conditioning."""
    kind = reference.network.kind
    if kind == SELF_SUPERVISED:
        return [], None
    if kind == LABELS:
        return list(dataset.label_names), np.asarray(dataset.labels, np.int64)
    names = sorted({c for c in dataset.captions if c})
    if not names or len(names) > MAX_CAPTION_CLASSES:
        return [], None
    index = {c: i for i, c in enumerate(names)}
    return names, np.array([index.get(c, len(names)) for c in dataset.captions], np.int64)   # none: the null class


def train_diffusers(dataset, train_idx: np.ndarray, classes: list[str], targets, seed: int, budget: float,
                    precision: str, lr: float, batch: int, schedule: str) -> tuple[object, dict]:
    from diffusers import DDPMScheduler
    from diffusers.training_utils import EMAModel

    torch.manual_seed(seed)
    size, channels = dataset.images.shape[1], dataset.images.shape[3]
    model = diffusers_unet(size, channels, len(classes))
    bf16 = precision == "bf16"
    if bf16:
        model = model.to(memory_format=torch.channels_last)
    noise_scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule=schedule)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.95, 0.999), weight_decay=1e-6, eps=1e-8)
    ema = EMAModel(model.parameters(), decay=0.9999, use_ema_warmup=True, inv_gamma=1.0, power=3 / 4)
    images = from_uint8_images(dataset.images[train_idx])
    labels = torch.from_numpy(targets[train_idx]) if targets is not None else None
    null = len(classes)
    rng = torch.Generator().manual_seed(seed)

    def step() -> float:
        pick = torch.randint(0, len(images), (batch,), generator=rng)
        x0 = images[pick]
        noise = torch.randn(x0.shape, generator=rng)
        t = torch.randint(0, noise_scheduler.config.num_train_timesteps, (batch,), generator=rng)
        x_t = noise_scheduler.add_noise(x0, noise, t)
        if bf16:
            x_t = x_t.contiguous(memory_format=torch.channels_last)
        cls = None
        if labels is not None:
            cls = labels[pick].clone()
            cls[torch.rand(batch, generator=rng) < 0.1] = null                      # 10% unconditional
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = model(x_t, t, class_labels=cls).sample
        loss = torch.nn.functional.mse_loss(out.float(), noise)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)                  # the example's max_grad_norm
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        ema.step(model.parameters())
        return float(loss.detach())

    started = time.process_time()
    # The example's cosine schedule with warm-up, its length the CPU budget (the fraction of it spent), the warm-up
    # 500 steps or a tenth of the run when that is shorter (the run's length in steps from its first 5 steps).
    warmup = [500]                               # until the first steps have been timed

    def factor(step: int) -> float:
        done = min(1.0, (time.process_time() - started) / budget)
        return min(1.0, (step + 1) / warmup[0]) * 0.5 * (1 + math.cos(math.pi * done))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    model.train()
    probe, losses = 5, []
    for _ in range(probe):
        losses.append(step())
    total = max(probe + 1, int(budget / ((time.process_time() - started) / probe)))
    warmup[0] = max(1, min(500, total // 10))
    steps = probe
    while time.process_time() - started < budget:
        losses.append(step())
        steps += 1
    cpu = time.process_time() - started
    ema.copy_to(model.parameters())
    model.eval()
    return model, {"cpu_seconds": cpu, "train_cpu_seconds": cpu, "steps": steps, "planned_steps": total,
                   "batch": batch, "lr": lr, "precision": "bfloat16" if bf16 else "float32",
                   "loss_end": float(np.mean(losses[-50:])), "parameters": sum(p.numel() for p in model.parameters())}


@torch.inference_mode()
def sample_diffusers(model, prompts: list[str | None], classes: list[str], size: int, channels: int, seed: int,
                     schedule: str, guidance: float = 3.0, steps: int = 50, batch: int = 50) -> np.ndarray:
    from diffusers import DDIMScheduler, DDPMScheduler

    scheduler = DDIMScheduler.from_config(DDPMScheduler(num_train_timesteps=1000, beta_schedule=schedule).config)
    index = {name: i for i, name in enumerate(classes)}
    null = len(classes)
    out = []
    for start in range(0, len(prompts), batch):
        chunk = prompts[start:start + batch]
        n = len(chunk)
        generators = [torch.Generator().manual_seed(seed * 100_003 + start + i) for i in range(n)]
        x = torch.stack([torch.randn(channels, size, size, generator=g) for g in generators])
        cls = torch.tensor([index.get(p or "", null) for p in chunk]) if classes else None
        scheduler.set_timesteps(steps)
        for t in scheduler.timesteps:
            tt = torch.full((n,), int(t), dtype=torch.long)
            if cls is None:
                eps = model(x, tt).sample
            else:
                both = model(torch.cat([x, x]), torch.cat([tt, tt]),
                             class_labels=torch.cat([cls, torch.full_like(cls, null)])).sample
                c, u = both.chunk(2)
                eps = u + guidance * (c - u)
            x = scheduler.step(eps, t, x, eta=0.0).prev_sample
        out.append(to_uint8_images(x))
    return np.concatenate(out)


def save_grid(images: np.ndarray, path: Path, columns: int = 8) -> None:
    """Images (N, H, W, C) uint8 as one PNG, `columns` a row, enlarged 3 times."""
    from PIL import Image

    n, h, w, c = images.shape
    rows = -(-n // columns)
    grid = np.zeros((rows * h, columns * w, c), np.uint8)
    for i, image in enumerate(images):
        grid[(i // columns) * h:(i // columns + 1) * h, (i % columns) * w:(i % columns + 1) * w] = image
    picture = Image.fromarray(grid.squeeze(-1) if c == 1 else grid)
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.resize((picture.width * 3, picture.height * 3), Image.NEAREST).save(path)


# -- both ----------------------------------------------------------------------------------------------------------
def compare(source: str, size: int, seed: int, minutes: float, args, tmp: Path) -> dict:
    dataset = load_dataset(source, size=size)
    name = source if source.startswith("demo:") else Path(source).name
    train_idx, heldout_idx = holdout_split(len(dataset), TrainConfig().holdout, seed)     # the Trainer's split
    reference = drain(prepare_reference(dataset, train_idx, heldout_idx, seed=0))
    row = {"set": name, "size": size, "seed": seed, "feature_kind": reference.network.kind}

    earlier = args.earlier.get((name, size, seed))
    if earlier is not None:             # the same genstudio run measured before: only the peer is trained again
        row["genstudio"], row["floor"] = earlier["genstudio"], earlier["floor"]
        info = row["genstudio"]
    else:
        folder = tmp / f"{name.replace(':', '-')}-{size}-{seed}"
        info = train_genstudio(dataset, size, seed, minutes, folder)
        evaluation = drain(evaluate_run(folder, n=args.samples, seed=seed, dataset=dataset, reference=reference))
        row["genstudio"] = {**info, **{k: evaluation.model.value(k) for k in SCORES}}
        row["floor"] = {k: evaluation.floor.value(k) for k in SCORES}

    precision = args.diffusers_precision
    if precision == "auto":
        precision = "bf16" if info["precision"] == "bfloat16" else "fp32"
    classes, targets = class_targets(reference, dataset)
    model, info = train_diffusers(dataset, train_idx, classes, targets, seed, info["train_cpu_seconds"], precision,
                                  args.diffusers_lr, args.diffusers_batch, args.diffusers_schedule)
    prompts = reference.prompts_for(args.samples, seed)
    images = sample_diffusers(model, prompts, classes, size, dataset.images.shape[3], seed, args.diffusers_schedule)
    result = score_images(reference, images, prompts if classes else None, seed=seed)
    if args.grids:
        save_grid(images[:64], Path(args.grids) / f"diffusers-{name.replace(':', '-')}-{size}-{seed}.png")
    row["diffusers"] = {**info, "classes": len(classes), **{k: result.model.value(k) for k in SCORES}}
    return row


def ahead(g: float | None, d: float | None, higher: bool) -> str:
    if g is None or d is None:
        return "–"
    if g == d:
        return "tie"
    return "genstudio" if (g > d) == higher else "diffusers"


def print_row(row: dict) -> None:
    g, d, f = row["genstudio"], row["diffusers"], row["floor"]
    fmt = lambda v, spec: "–" if v is None else format(v, spec)
    print(f"\n### {row['set']}, {row['size']} px, seed {row['seed']} (judge: {row['feature_kind']})")
    print(f"genstudio: {g['preset']}, {g['optimizer']}, batch {g['batch']}, lr {g['lr']:g}, {g['precision']}, "
          f"{g['steps']} steps in {g['train_cpu_seconds']:.0f} CPU-s of training steps ({g['cpu_seconds']:.0f} CPU-s "
          f"with set-up, validation and saving)")
    print(f"diffusers: {d['parameters']:,} parameters, {d['classes']} classes, batch {d['batch']}, lr {d['lr']:g}, "
          f"{d['precision']}, {d['steps']} steps in {d['cpu_seconds']:.0f} CPU-s, final loss {d['loss_end']:.4f}")
    print("| score | genstudio | diffusers | ahead | real images (floor) |")
    print("|---|---|---|---|---|")
    for key, spec, higher in (("kid", ".4f", False), ("recall", ".3f", True), ("adherence", ".3f", True)):
        print(f"| {key} | {fmt(g[key], spec)} | {fmt(d[key], spec)} | {ahead(g[key], d[key], higher)} "
              f"| {fmt(f[key], spec)} |")
    sys.stdout.flush()


def summary(rows: list[dict]) -> None:
    print("\n| set | seed | KID genstudio / diffusers | recall genstudio / diffusers | adherence genstudio / diffusers "
          "| steps genstudio / diffusers | ahead on all three |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        g, d = row["genstudio"], row["diffusers"]
        fmt = lambda v, spec: "–" if v is None else format(v, spec)
        verdicts = [ahead(g["kid"], d["kid"], False), ahead(g["recall"], d["recall"], True)]
        if g["adherence"] is not None or d["adherence"] is not None:
            verdicts.append(ahead(g["adherence"], d["adherence"], True))
        print(f"| {row['set']} | {row['seed']} | {fmt(g['kid'], '.4f')} / {fmt(d['kid'], '.4f')} "
              f"| {fmt(g['recall'], '.3f')} / {fmt(d['recall'], '.3f')} "
              f"| {fmt(g['adherence'], '.3f')} / {fmt(d['adherence'], '.3f')} | {g['steps']} / {d['steps']} "
              f"| {'yes' if all(v == 'genstudio' for v in verdicts) else 'no (' + ', '.join(verdicts) + ')'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="demo:digits,demo:faces,demo:shapes")
    parser.add_argument("--extra", help="folder of scripts/build_eval_datasets.py (its sets are added)")
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--cpu-minutes", type=float, default=3.0)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--diffusers-lr", type=float, default=2e-4)
    parser.add_argument("--diffusers-batch", type=int, default=16)
    parser.add_argument("--diffusers-schedule", default="linear", choices=("linear", "squaredcos_cap_v2"))
    parser.add_argument("--diffusers-precision", default="auto", choices=("auto", "fp32", "bf16"),
                        help="auto: what genstudio's Trainer chose (bf16 where the CPU has AMX / AVX512-BF16)")
    parser.add_argument("--samples", type=int, default=SAMPLES, help="images sampled from each model")
    parser.add_argument("--json", help="also write every row here (rewritten after each set)")
    parser.add_argument("--grids", help="a folder for a PNG of each diffusers run's first 64 samples")
    parser.add_argument("--genstudio-from", metavar="JSON",
                        help="an earlier --json of the same sets, size, seeds and CPU-minutes: its genstudio rows are "
                             "reused and only diffusers trains (to try other diffusers settings for half the time)")
    args = parser.parse_args()
    args.earlier = {}
    if args.genstudio_from:
        args.earlier = {(r["set"], r["size"], r["seed"]): r for r in json.loads(Path(args.genstudio_from).read_text())
                        if abs(r["genstudio"]["cpu_seconds"] / 60 - args.cpu_minutes) < 0.15 * args.cpu_minutes}
    torch.set_num_threads(1)
    sets = [s for s in args.sets.split(",") if s]
    if args.extra:
        sets += [str(p) for p in sorted(Path(args.extra).iterdir()) if p.is_dir()]
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"# diffusion vs diffusers, {args.cpu_minutes:g} CPU-minutes each, {args.size} px, one thread, "
          f"on {cpu_name()} (bf16 measured faster than fp32: {'yes' if cpu_has_fast_bf16() else 'no'}), "
          f"torch {torch.__version__}, diffusers {__import__('diffusers').__version__}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            for source in sets:
                row = compare(source, args.size, seed, args.cpu_minutes, args, Path(tmp))
                rows.append(row)
                print_row(row)
                if args.json:
                    Path(args.json).write_text(json.dumps(rows, indent=1, default=float))
    summary(rows)


if __name__ == "__main__":
    main()
