"""Training speed: studio's diffusion U-Net vs diffusers' UNet2DModel, side by side in one run.

    .venv/bin/pip install -e '.[bench]'        # diffusers: benchmark only, never a runtime dependency
    .venv/bin/python benchmarks/diffusion_vs_diffusers.py [--size 32] [--batch 64] [--steps 4] [--threads N]

Both unconditional, same resolution, batch and data (random images in [-1, 1], random timesteps), same loss
(MSE to noise), AdamW (and studio once more with its default optimizer, Muon for the weight matrices, which costs
more per step and needs about half the steps: see benchmarks/diffusion_time_to_quality.py), each at its best
precision: --precision best (default) times each model in fp32 and, where
the CPU has AVX512-BF16/AMX, under bf16 autocast with channels_last, and compares the faster of each; --precision
fp32 or bf16 times only that. diffusers is configured as a
user would: its default layers_per_block=2, block_out_channels (64, 128, 128), attention at the lowest level;
studio uses its `small` preset. Parameter counts are printed and must agree within 10%. Each model gets
`--warmup` untimed steps, then `--steps` timed steps, in alternating rounds (so a busy machine slows both alike).
Figures: images per second of wall time and per second of CPU time (time.process_time), and the ratio.
Then the peak memory (VmHWM) of a fresh process training studio's model at 32x32, batch 64, with prompts.
"""
from __future__ import annotations

import argparse
import copy
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch

from studio.engine.families.base import DataInfo
from studio.engine.families.diffusion import Diffusion, DiffusionConfig
from studio.engine.optim import MuonAdamW


def diffusers_unet(size: int):
    from diffusers import UNet2DModel
    return UNet2DModel(sample_size=size, in_channels=3, out_channels=3, block_out_channels=(64, 128, 128),
                       layers_per_block=2, down_block_types=("DownBlock2D", "DownBlock2D", "AttnDownBlock2D"),
                       up_block_types=("AttnUpBlock2D", "UpBlock2D", "UpBlock2D"), attention_head_dim=32)


def studio_unet(size: int, patch: int = 1):
    return Diffusion(DiffusionConfig.from_preset("small", patch=patch), DataInfo(size, 3)).unet


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def make_step(model, x, t, noise, is_diffusers: bool, precision: str = "fp32", optimizer: str = "adamw"):
    """One training step with AdamW (or studio's Muon + AdamW, `MuonAdamW`); bf16: under CPU autocast, model and
    input channels_last (as the Trainer does)."""
    if precision == "bf16":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = (MuonAdamW.split(model.named_parameters(), lr=1e-4) if optimizer == "muon"
           else torch.optim.AdamW(model.parameters(), lr=1e-4))
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")

    def step():
        with autocast:
            out = model(x, t).sample if is_diffusers else model(x, t)
        torch.nn.functional.mse_loss(out.float(), noise).backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    return step


def timed(step, n: int) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        step()
    return time.perf_counter() - w0, time.process_time() - c0


def memory_child(size: int, batch: int) -> None:
    """Run in a fresh process: train studio's conditional model a few steps, print peak RSS in MB."""
    from contextlib import nullcontext
    from studio.engine.families.base import Batch
    torch.manual_seed(0)
    family = Diffusion(DiffusionConfig.from_preset("small"), DataInfo(size, 3, vocabulary=("red", "blue", "circle")))
    opt = family.optimizers(1e-4)["main"]

    class Ctx:
        step, device = 0, torch.device("cpu")

        def autocast(self):
            return nullcontext()

        def optimize(self, name, loss):
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            return True

    batch = Batch(images=torch.rand(batch, 3, size, size) * 2 - 1, captions=("red circle", "blue") * (batch // 2))
    for _ in range(3):
        family.train_step(batch, Ctx())
    # VmHWM: this process's peak resident memory. (ru_maxrss would carry over the parent's peak: Linux keeps it
    # across fork and exec.)
    status = Path("/proc/self/status")
    if status.exists():
        hwm = next(line for line in status.read_text().splitlines() if line.startswith("VmHWM:"))
        print(int(hwm.split()[1]) / 1024)                                  # kB -> MiB
    else:
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / (1024 if sys.platform == "darwin" else 1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--precision", choices=("best", "fp32", "bf16"), default="best")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.memory_child:
        memory_child(args.size, args.batch)
        return
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(args.batch, 3, args.size, args.size, generator=g) * 2 - 1
    t = torch.randint(0, 1000, (args.batch,), generator=g)
    noise = torch.randn(x.shape, generator=g)
    from studio.engine.training import cpu_has_fast_bf16
    precisions = {"best": ["fp32", "bf16"] if cpu_has_fast_bf16() else ["fp32"]}.get(args.precision, [args.precision])
    models = {"studio": studio_unet(args.size), "diffusers": diffusers_unet(args.size)}
    params = {k: count(m) for k, m in models.items()}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {' and '.join(precisions)}, "
          f"{args.size}x{args.size}, batch {args.batch}, {args.steps} timed steps x {args.rounds} rounds after "
          f"{args.warmup} warm-up (AVX512-BF16/AMX: {'yes' if cpu_has_fast_bf16() else 'no'})")
    print("parameters: " + ", ".join(f"{k} {v:,}" for k, v in params.items())
          + f" (studio/diffusers {params['studio'] / params['diffusers']:.3f})")
    steps = {(k, p): make_step(copy.deepcopy(m), x, t, noise, k == "diffusers", p)
             for k, m in models.items() for p in precisions}
    # What the app trains with: studio's default optimizer, Muon (more per step, about half the steps to a quality)
    steps.update({("studio+muon", p): make_step(copy.deepcopy(models["studio"]), x, t, noise, False, p, "muon")
                  for p in precisions})
    for step in steps.values():
        timed(step, args.warmup)
    wall = {k: 0.0 for k in steps}
    cpu = {k: 0.0 for k in steps}
    for _ in range(args.rounds):                 # alternating, so a busy machine slows every model alike
        for k, step in steps.items():
            w, c = timed(step, args.steps)
            wall[k] += w
            cpu[k] += c
    images = args.batch * args.steps * args.rounds
    for (name, precision) in steps:
        print(f"{name:<11} {precision:<5} {images / wall[name, precision]:7.1f} images/s wall   "
              f"{images / cpu[name, precision]:7.1f} images per CPU-second")
    best = {name: min(precisions, key=lambda p: cpu[name, p]) for name, _ in steps}
    print(f"best precision: studio {best['studio']}, diffusers {best['diffusers']}")
    for name, what in (("studio", "both with AdamW"), ("studio+muon", "studio with its default Muon")):
        print(f"ratio studio/diffusers at each one's best, {what}: "
              f"{wall['diffusers', best['diffusers']] / wall[name, best[name]]:.2f}x wall, "
              f"{cpu['diffusers', best['diffusers']] / cpu[name, best[name]]:.2f}x CPU time")
    child = subprocess.run([sys.executable, __file__, "--memory-child", "--size", "32", "--batch", "64"]
                           + (["--threads", str(args.threads)] if args.threads else []),
                           capture_output=True, text=True, check=True)
    print(f"peak memory training studio 'small' (with prompts) at 32x32, batch 64: "
          f"{float(child.stdout.split()[-1]):.0f} MiB (fresh process, VmHWM)")


if __name__ == "__main__":
    main()
