"""Sampling speed: studio's DPM-Solver++(2M) at 20 steps vs diffusers' DDIM at 50 steps (DDIMScheduler driving
its UNet2DModel, configured as in diffusion_vs_diffusers.py at an equal parameter count), in one run.

    .venv/bin/python benchmarks/diffusion_sampling.py [--threads N] [--diffusers-share 0.2]

Resolutions and counts: 500 images at 16x16, 64 at 32x32 (also with guidance) for studio (through Family.sample, which also turns
every step into uint8 frames for the app). diffusers is slow enough that, on a shared machine, only a share of
those images is timed (`--diffusers-share`, default 0.1; 1.0 for all): its images/s is measured on that many, in batches
of the same size. Speed only: weights are untrained (the cost of a step does not depend on them).
Prints images/s (wall and per CPU-second) and the ratio.
"""
from __future__ import annotations

import argparse
import time

import torch

from studio.engine.families.base import DataInfo
from studio.engine.families.diffusion import Diffusion, DiffusionConfig


def studio_run(size: int, n: int, steps: int, prompt: str | None) -> tuple[float, float]:
    vocabulary = ("red", "circle") if prompt else ()
    family = Diffusion(DiffusionConfig.from_preset("small"), DataInfo(size, 3, vocabulary=vocabulary))
    list(family.sample(2, seed=0, steps=2, prompt=prompt))                               # warm-up
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in family.sample(n, seed=0, steps=steps, sampler="dpm++2m", prompt=prompt, guidance=3.0):
        pass
    return time.perf_counter() - w0, time.process_time() - c0


@torch.inference_mode()
def diffusers_run(size: int, n: int, steps: int) -> tuple[float, float]:
    from diffusers import DDIMScheduler
    from diffusion_vs_diffusers import diffusers_unet
    unet = diffusers_unet(size).eval()
    scheduler = DDIMScheduler(num_train_timesteps=1000)
    unet(torch.randn(2, 3, size, size), torch.tensor([10, 10]))                          # warm-up
    w0, c0 = time.perf_counter(), time.process_time()
    scheduler.set_timesteps(steps)
    x = torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(0))
    for t in scheduler.timesteps:
        x = scheduler.step(unet(x, t).sample, t, x).prev_sample
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--diffusers-share", type=float, default=0.1)
    parser.add_argument("--n16", type=int, default=500, help="studio images at 16x16")
    parser.add_argument("--n32", type=int, default=64, help="studio images at 32x32")
    parser.add_argument("--sizes", default="16,32", help="which resolutions to run, e.g. 32")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, fp32")
    sizes = {int(s) for s in args.sizes.split(",")}
    for size, n in ((s, n) for s, n in ((16, args.n16), (32, args.n32)) if s in sizes):
        m = max(1, round(n * args.diffusers_share))
        results = {"studio dpm++2m 20": (n, *studio_run(size, n, 20, None))}
        if size == 32:       # guided: conditional and unconditional passes in one forward (twice the batch)
            results["studio dpm++2m 20 + CFG 3 (prompted)"] = (n, *studio_run(size, n, 20, "red circle"))
        results["diffusers DDIM 50"] = (m, *diffusers_run(size, m, 50))
        print(f"-- {size}x{size}")
        for name, (count, wall, cpu) in results.items():
            print(f"{name:<38} {count:4d} images  {count / wall:7.2f} images/s wall  {count / cpu:7.2f} per CPU-s")
        base = results["diffusers DDIM 50"]
        for name in list(results)[:-1]:
            count, wall, cpu = results[name]
            print(f"ratio {name} / diffusers DDIM 50: {(count / wall) / (base[0] / base[1]):.2f}x wall, "
                  f"{(count / cpu) / (base[0] / base[2]):.2f}x CPU time")


if __name__ == "__main__":
    main()
