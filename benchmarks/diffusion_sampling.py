"""Sampling speed and quality: studio's DPM-Solver++(2M) and its SDE form (the app's default) at 20 steps vs
diffusers' DDIM at 50 steps, in one run.

    .venv/bin/python benchmarks/diffusion_sampling.py [--threads 1] [--sizes 16,32] [--quality RUN]

Speed (weights untrained: the cost of a step does not depend on them). The issue's counts: 500 images at 16x16,
64 at 32x32, each side sampling its images in one batch.
  unguided: studio's small-preset U-Net through Family.sample (which also turns every step into uint8 frames for
            the app) vs diffusers' UNet2DModel at an equal parameter count (diffusion_vs_diffusers.py) driven by
            diffusers' DDIMScheduler, 50 steps.
  guided:   studio prompted ("red circle", guidance 3: the text encoder runs, the conditional and unconditional
            passes share one forward of twice the batch) vs the same diffusers UNet2DModel with class conditioning
            (num_class_embeds, the null class for the unconditional pass) and classifier-free guidance 3, also one
            forward of twice the batch per step.
  `--diffusers-share` (`--guided-share` for its guided run) times diffusers on that share of the images (1.0, the
  default: all of them); a smaller share is printed with its count (the ratio is per image either way).
Prints images/s (wall and per CPU-second) and the ratios.

Quality (`--quality RUN`, a trained studio diffusion run on demo:shapes, e.g. a time-to-quality run): the same
network sampled with studio's DPM-Solver++(2M) and (2M) SDE at 20 steps and with diffusers' DDIMScheduler at 50
steps (its own step function, given our schedule as trained_betas, v-prediction, trailing spacing), guidance 3,
32 images per prompt. Diffusers runs without x0 clipping, its better setting: with clip_sample=True its DDIM clips
x0 but steps with the unclipped noise estimate (studio's DDIM re-derives the noise from the clipped x0), which cost
it most of its prompted matches (benchmarks/RESULTS.md, "Samplers and guidance"). Each is scored by the pixel meter
of diffusion_time_to_quality.py (share of samples whose colour and shape match the prompt), printed beside the
wall/CPU time of each.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from studio.engine.families.base import DataInfo
from studio.engine.families.diffusion import Diffusion, DiffusionConfig

GUIDANCE = 3.0


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - start[0], time.process_time() - start[1]


def studio_run(size: int, n: int, steps: int, prompt: str | None, sampler: str = "dpm++2m") -> tuple[float, float]:
    vocabulary = ("red", "circle") if prompt else ()
    family = Diffusion(DiffusionConfig.from_preset("small"), DataInfo(size, 3, vocabulary=vocabulary))
    list(family.sample(2, seed=0, steps=2, prompt=prompt))                               # warm-up
    start = clock()
    for _ in family.sample(n, seed=0, steps=steps, sampler=sampler, prompt=prompt, guidance=GUIDANCE):
        pass
    return since(start)


def diffusers_model(size: int, classes: int = 0):
    from diffusers import UNet2DModel
    from diffusion_vs_diffusers import diffusers_unet
    if not classes:
        return diffusers_unet(size).eval()
    base = diffusers_unet(size)
    return UNet2DModel.from_config(base.config, num_class_embeds=classes + 1).eval()   # + the null class


@torch.inference_mode()
def diffusers_run(size: int, n: int, steps: int, guided: bool) -> tuple[float, float]:
    from diffusers import DDIMScheduler
    unet = diffusers_model(size, classes=4 if guided else 0)
    scheduler = DDIMScheduler(num_train_timesteps=1000)
    labels = torch.tensor([0, 4 if guided else 0])
    unet(torch.randn(2, 3, size, size), torch.tensor([10, 10]), class_labels=labels if guided else None)   # warm-up
    start = clock()
    scheduler.set_timesteps(steps)
    x = torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(0))
    both = torch.cat([torch.zeros(n, dtype=torch.long), torch.full((n,), 4)])           # class 0, then null
    for t in scheduler.timesteps:
        if guided:                                   # CFG: conditional and unconditional in one doubled batch
            c, u = unet(torch.cat([x, x]), t, class_labels=both).sample.chunk(2)
            out = u + GUIDANCE * (c - u)
        else:
            out = unet(x, t).sample
        x = scheduler.step(out, t, x).prev_sample
    return since(start)


def speed(args) -> None:
    from diffusion_vs_diffusers import count, studio_unet
    sizes = {int(s) for s in args.sizes.split(",")}
    for size, n in ((s, n) for s, n in ((16, args.n16), (32, args.n32)) if s in sizes):
        m = max(1, round(n * args.diffusers_share))
        g = max(1, round(n * args.guided_share))
        print(f"-- {size}x{size}: parameters studio U-Net {count(studio_unet(size)):,}, "
              f"diffusers UNet2DModel {count(diffusers_model(size)):,} (+ class embeddings "
              f"{count(diffusers_model(size, 4)) - count(diffusers_model(size)):,} when guided)", flush=True)
        pairs = (("studio dpm++2m 20", n, lambda: studio_run(size, n, 20, None)),
                 ("studio dpm++2m-sde 20", n, lambda: studio_run(size, n, 20, None, "dpm++2m-sde")),
                 ("diffusers DDIM 50", m, lambda: diffusers_run(size, m, 50, False)),
                 ("studio dpm++2m 20, prompt + CFG 3", n, lambda: studio_run(size, n, 20, "red circle")),
                 ("studio dpm++2m-sde 20, prompt + CFG 3", n,
                  lambda: studio_run(size, n, 20, "red circle", "dpm++2m-sde")),
                 ("diffusers DDIM 50, class + CFG 3", g, lambda: diffusers_run(size, g, 50, True)))
        results = {}
        for name, count_, fn in pairs:
            wall, cpu = fn()
            results[name] = (count_, wall, cpu)
            print(f"{name:<40} {count_:4d} images  {count_ / wall:7.2f} images/s wall  {count_ / cpu:7.2f} per CPU-s",
                  flush=True)
        for i, j in ((0, 2), (1, 2), (3, 5), (4, 5)):            # each studio way against its diffusers peer
            ours, peer = pairs[i][0], pairs[j][0]
            (a, aw, ac), (b, bw, bc) = results[ours], results[peer]
            print(f"ratio {ours} / {peer}: {(a / aw) / (b / bw):.2f}x wall, {(a / ac) / (b / bc):.2f}x CPU time")


@torch.inference_mode()
def diffusers_ddim_prompts(family: Diffusion, prompts: list[str], steps: int, seed: int) -> np.ndarray:
    """Sample `prompts` with diffusers' DDIMScheduler driving the studio network (guidance 3, as studio's)."""
    from diffusers import DDIMScheduler
    from studio.engine.families.base import to_uint8_images
    from studio.engine.samplers import noise_like
    ab = family.alphas_cumprod
    betas = (1 - ab / torch.cat([torch.ones(1, dtype=ab.dtype), ab[:-1]])).numpy()
    scheduler = DDIMScheduler(num_train_timesteps=len(betas), trained_betas=betas,
                              prediction_type="v_prediction" if family.config.prediction == "v" else "epsilon",
                              clip_sample=False, timestep_spacing="trailing", set_alpha_to_one=True)
    scheduler.set_timesteps(steps)
    unet, text = family._eval()
    n, size = len(prompts), family.data.image_size
    generators = [torch.Generator().manual_seed(seed + i) for i in range(n)]
    x = noise_like(torch.empty(n, family.data.channels, size, size), generators)
    cond, uncond = family.encode_text(prompts, text), family.encode_text([""] * n, text)
    for t in scheduler.timesteps:
        tt = torch.full((n,), int(t), dtype=torch.long)
        out = family.guided_prediction(unet, x, tt, cond, uncond, GUIDANCE)
        x = scheduler.step(out, t, x).prev_sample
    return to_uint8_images(x)


def quality(run_dir: Path, per_prompt: int) -> None:
    from diffusion_time_to_quality import PROMPTS, make_meter, wanted
    from studio.engine.run import Run
    _, meter, real_ok = make_meter(32)
    family, _ = Run.open(run_dir).load_family()
    print(f"-- equal quality: {run_dir} ({family.config.channels}, patch {family.config.patch}), guidance {GUIDANCE}, "
          f"{per_prompt} images per prompt; pixel meter on 1000 real images {100 * real_ok:.1f}%")

    def studio(prompt: str, sampler: str, steps: int) -> np.ndarray:
        return list(family.sample(per_prompt, seed=0, prompt=prompt, steps=steps, sampler=sampler,
                                  guidance=GUIDANCE))[-1].images

    ways = {"studio dpm++2m 20": lambda p: studio(p, "dpm++2m", 20),
            "studio dpm++2m-sde 20 (the default)": lambda p: studio(p, "dpm++2m-sde", 20),
            "diffusers DDIMScheduler 50 (same network)": lambda p: diffusers_ddim_prompts(family, [p] * per_prompt, 50, 0),
            "studio ddim 50": lambda p: studio(p, "ddim", 50)}
    for name, fn in ways.items():
        start, shares = clock(), []
        for prompt in PROMPTS:
            colour, shape = wanted(prompt)
            shares.append(np.mean([s == shape and c == colour for s, c in map(meter.classify, fn(prompt))]))
        wall, cpu = since(start)
        count = per_prompt * len(PROMPTS)
        print(f"{name:<44} match {100 * np.mean(shares):5.1f}%  ({' '.join(f'{100 * s:.0f}' for s in shares)})  "
              f"{count / wall:6.2f} images/s wall  {count / cpu:6.2f} per CPU-s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--diffusers-share", type=float, default=1.0)
    parser.add_argument("--guided-share", type=float, default=1.0, help="the same for diffusers' guided run")
    parser.add_argument("--n16", type=int, default=500, help="images at 16x16")
    parser.add_argument("--n32", type=int, default=64, help="images at 32x32")
    parser.add_argument("--sizes", default="16,32", help="which resolutions to time, e.g. 32 ('' for none)")
    parser.add_argument("--quality", type=Path, help="a trained studio diffusion run on demo:shapes (32 px)")
    parser.add_argument("--per-prompt", type=int, default=32)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, fp32", flush=True)
    if args.sizes:
        speed(args)
    if args.quality:
        quality(args.quality, args.per_prompt)


if __name__ == "__main__":
    main()
