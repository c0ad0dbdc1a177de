"""VAE training speed at fp32 and at the automatically chosen precision, side by side.

    .venv/bin/python benchmarks/vae_precision.py [--size 32] [--batch 64] [--preset small] [--rounds 5]

Each variant runs the same train_step the Trainer runs (same model, data and
seed). Variants are interleaved round by round and the median is reported, so
the shared machine's noise hits them alike. Also shown: bf16 autocast forced
on, and channels_last, to explain the automatic choice on this machine.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from studio.engine.families.base import Batch, DataInfo
from studio.engine.families.vae import VAE, VAEConfig
from studio.engine.training import _Context, choose_device, choose_precision, precision_name


def make_variant(preset: str, size: int, device: torch.device, dtype, channels_last: bool):
    torch.manual_seed(0)
    family = VAE(VAEConfig.from_preset(preset), DataInfo(image_size=size, channels=3))
    fmt = torch.channels_last if channels_last else None
    family.to(device, fmt)
    ctx = _Context(device, dtype, family.optimizers(2e-3), grad_clip=1.0)
    return family, ctx, fmt


def images_per_second(family, ctx, batch: Batch, steps: int) -> float:
    if batch.images.device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        family.train_step(batch, ctx)  # returns floats: .item() syncs every step
    return steps * len(batch) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--preset", default="small")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per variant per round")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()

    choice = choose_device(args.device)
    device = choice.device
    auto_dtype, reason = choose_precision(device, "auto")
    auto_cl = device.type == "cuda" or (device.type == "cpu" and auto_dtype == torch.bfloat16)
    variants = {
        "fp32": (None, False),
        f"auto ({precision_name(auto_dtype)}{', channels_last' if auto_cl else ''})": (auto_dtype, auto_cl),
        "fp32 + channels_last": (None, True),
        "bf16 autocast + channels_last (forced)": (torch.bfloat16, True),
    }
    print(f"device: {device} ({choice.name}); torch {torch.__version__}; threads {torch.get_num_threads()}")
    print(f"automatic precision: {precision_name(auto_dtype)} — {reason}")
    print(f"VAE preset {args.preset}, {args.size}x{args.size} RGB, batch {args.batch}, "
          f"{args.rounds} rounds x {args.steps} steps each, median images/s\n")

    torch.manual_seed(0)
    x = torch.rand(args.batch, 3, args.size, args.size, device=device) * 2 - 1
    built = {}
    for name, (dtype, cl) in variants.items():
        family, ctx, fmt = make_variant(args.preset, args.size, device, dtype, cl)
        batch = Batch(images=x.contiguous(memory_format=fmt) if fmt else x)
        images_per_second(family, ctx, batch, 2)  # warm-up
        built[name] = (family, ctx, batch)
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, (family, ctx, batch) in built.items():
            rates[name].append(images_per_second(family, ctx, batch, args.steps))

    base = statistics.median(rates["fp32"])
    print(f"{'variant':<42}{'images/s':>10}{'vs fp32':>10}")
    for name, values in rates.items():
        median = statistics.median(values)
        print(f"{name:<42}{median:>10.1f}{median / base:>9.2f}x")


if __name__ == "__main__":
    main()
