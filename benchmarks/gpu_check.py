"""GPU readiness: every family trained, saved, resumed and sampled on CUDA at each precision, with its speed.

    .venv/bin/python benchmarks/gpu_check.py [--families vae,diffusion] [--steps 300] [--preset small]
                                             [--size 32] [--data demo:shapes] [--sample-n 64] [--no-diffusers]

On a machine without a CUDA GPU it says so and exits 0.

For each family (default: all registered) and each precision (fp32; bf16 where the GPU has it; fp16 with loss
scaling), through the Trainer as `genstudio train --device cuda --precision P` runs it:
- train --steps steps (the family's batch size and learning rate, the --preset model, checkpoint at the end);
  training images/s = steps x batch / the Trainer's training seconds; peak GPU memory while training
  (torch.cuda.max_memory_allocated); the last losses must be finite;
- resume the run for 10 more steps (exact resume: step, optimizer, EMA, data order);
- sample --sample-n images from the saved checkpoint under the same autocast (after a 4-image warm-up):
  sampling images/s, and the images must not be blank;
- the NaN guard: 40 steps where the losses from the 10th step on are non-finite for max_bad_steps steps in a
  row: the Trainer must roll back (a "rolled back" warning) and still complete with finite weights.
Then, where diffusers is installed, the diffusion U-Net (small preset) against diffusers' UNet2DModel of the
size benchmarks/diffusion_vs_diffusers.py uses: training and denoising images/s at the best precision, side by
side, as a ratio. Exit status 1 when any check failed.
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studio.engine import Run, TrainConfig, Trainer, load_dataset  # noqa: E402
from studio.engine.events import Failed, Progress, TrainingWarning  # noqa: E402
from studio.engine.families.base import Batch, all_families  # noqa: E402

DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
DEVICE = "cuda"


@dataclass
class Row:
    family: str
    precision: str
    train_ips: float = math.nan
    sample_ips: float = math.nan
    peak_mib: float = math.nan
    resumed: bool = False
    sampled: bool = False
    nan_guard: bool = False
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.resumed and self.sampled and self.nan_guard and not self.problem


def train_config(cls, precision: str, steps: int, **changes) -> TrainConfig:
    values = dict(steps=steps, batch_size=int(cls.train_defaults.get("batch_size", 64)),
                  lr=float(cls.train_defaults.get("lr", 1e-3)), device=DEVICE, precision=precision,
                  warmup_steps=min(100, steps // 10), quality_minutes=0, preview_seconds=0, validate_seconds=0,
                  checkpoint_minutes=60)
    return TrainConfig(**{**values, **changes})


def family_config(cls, preset: str, steps: int):
    overrides = {"autoencoder_steps": steps // 2} if "autoencoder_steps" in cls.Config.__dataclass_fields__ else {}
    return cls.Config.from_preset(preset, **overrides)      # a two-stage family trains both stages


def drain(trainer: Trainer) -> list:
    return list(trainer.run())


def train_and_resume(cls, precision: str, dataset, args, run: Path, row: Row) -> None:
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    trainer = Trainer(dataset, run, family=cls.name, family_config=family_config(cls, args.preset, args.steps),
                      config=train_config(cls, precision, args.steps))
    events = drain(trainer)
    torch.cuda.synchronize()
    row.peak_mib = torch.cuda.max_memory_allocated() / 2 ** 20
    failed = [e for e in events if isinstance(e, Failed)]
    last = [e for e in events if isinstance(e, Progress)][-1:]
    if failed or trainer.result.status != "completed":
        row.problem = f"training: {trainer.result.status} {failed[0].message if failed else ''}"
        return
    if not last or not all(math.isfinite(v) for v in last[0].losses.values()):
        row.problem = f"training: last losses {last[0].losses if last else None}"
        return
    row.train_ips = trainer.step * trainer.batch_size / max(trainer.train_seconds, 1e-9)
    resumed = Trainer.resume(run, dataset, steps=args.steps + 10)
    drain(resumed)
    row.resumed = resumed.result.status == "completed" and resumed.step == args.steps + 10
    if not row.resumed:
        row.problem = f"resume: {resumed.result.status} at step {resumed.step}"


def sample(run: Path, precision: str, n: int, row: Row) -> None:
    family, _ = Run.open(run).load_family(device=DEVICE)
    family.eval()
    dtype = DTYPES[precision]
    autocast = torch.autocast(DEVICE, dtype=dtype) if dtype is not None else nullcontext()
    with torch.inference_mode(), autocast:
        list(family.sample(4, seed=0))                                 # warm-up: kernels, caches
        torch.cuda.synchronize()
        start = time.perf_counter()
        frames = list(family.sample(n, seed=0))
        torch.cuda.synchronize()
    row.sample_ips = n / (time.perf_counter() - start)
    images = frames[-1].images
    row.sampled = images.shape[0] == n and float(np.std(images)) > 1.0          # not one flat colour
    if not row.sampled:
        row.problem = row.problem or f"sampling: {images.shape}, std {np.std(images):.2f}"


def nan_guard(cls, precision: str, dataset, args, run: Path, row: Row) -> None:
    config = train_config(cls, precision, 40, warmup_steps=5)
    trainer = Trainer(dataset, run, family=cls.name, family_config=family_config(cls, args.preset, 40), config=config)
    events = trainer.run()
    next(events)                                                       # set up: wrap the live family's step
    real_step, calls = trainer.family.train_step, [0]

    def poisoned(batch: Batch, ctx):
        calls[0] += 1
        if 10 <= calls[0] < 10 + config.max_bad_steps:               # every loss of the step non-finite
            optimize = ctx.optimize
            ctx.optimize = lambda name, loss: optimize(name, loss * float("nan"))
            try:
                return real_step(batch, ctx)
            finally:
                del ctx.optimize
        return real_step(batch, ctx)

    trainer.family.train_step = poisoned
    warnings = [e.message for e in events if isinstance(e, TrainingWarning)]
    rolled_back = any(getattr(m, "id", "") == "training.rolled_back" for m in warnings)
    finite = all(torch.isfinite(p).all().item() for m in trainer.family.modules().values() for p in m.parameters())
    row.nan_guard = rolled_back and finite and trainer.result.status == "completed"
    if not row.nan_guard:
        row.problem = row.problem or f"NaN guard: rolled back {rolled_back}, finite {finite}, {trainer.result.status}"


def check(cls, precision: str, dataset, args, folder: Path) -> Row:
    row = Row(cls.name, precision)
    run = folder / f"{cls.name}-{precision}"
    try:
        train_and_resume(cls, precision, dataset, args, run, row)
        if row.resumed:
            sample(run, precision, args.sample_n, row)
        nan_guard(cls, precision, dataset, args, folder / f"{cls.name}-{precision}-nan", row)
    except Exception as error:  # noqa: BLE001 - one family failing must not hide the others
        row.problem = f"{type(error).__name__}: {error}"[:200]
    return row


def versus_diffusers(size: int, batch: int, dtype) -> None:
    """studio's diffusion U-Net against diffusers' UNet2DModel: training steps and denoising forwards."""
    try:
        import diffusers  # noqa: F401
    except ImportError:
        print("\ndiffusers is not installed (.venv/bin/pip install -e '.[bench]'): no UNet2DModel comparison")
        return
    from benchmarks.diffusion_vs_diffusers import count, diffusers_unet, studio_unet

    device = torch.device("cuda")
    x = torch.randn(batch, 3, size, size, device=device).contiguous(memory_format=torch.channels_last)
    t = torch.randint(0, 1000, (batch,), device=device)
    noise = torch.randn_like(x)
    results = {}
    for name, model, is_diffusers in (("studio small", studio_unet(size), False),
                                      ("diffusers UNet2DModel", diffusers_unet(size), True)):
        model = model.to(device, memory_format=torch.channels_last)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)

        def forward():
            with torch.autocast("cuda", dtype=dtype):
                out = model(x, t)
            return out.sample if is_diffusers else out

        def train_step():
            torch.nn.functional.mse_loss(forward().float(), noise).backward()
            opt.step()
            opt.zero_grad(set_to_none=True)

        def timed(fn, n=50) -> float:
            for _ in range(10):
                fn()
            torch.cuda.synchronize()
            start = time.perf_counter()
            for _ in range(n):
                fn()
            torch.cuda.synchronize()
            return batch * n / (time.perf_counter() - start)

        model.train()
        train = timed(train_step)
        model.eval()
        with torch.inference_mode():
            denoise = timed(forward) / 20          # a 20-step sampler: 20 forwards per image
        results[name] = (count(model), train, denoise)
    print(f"\ndiffusion U-Net vs diffusers, {size}x{size}, batch {batch}, {DTYPE_NAMES[dtype]} autocast, AdamW")
    print(f"{'model':<24}{'params':>12}{'train img/s':>14}{'sample img/s (20 steps)':>26}")
    for name, (params, train, denoise) in results.items():
        print(f"{name:<24}{params:>12,}{train:>14.0f}{denoise:>26.0f}")
    (_, a_train, a_sample), (_, b_train, b_sample) = results.values()
    print(f"{'ratio studio/diffusers':<36}{a_train / b_train:>14.2f}{a_sample / b_sample:>26.2f}")


DTYPE_NAMES = {torch.bfloat16: "bf16", torch.float16: "fp16"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="", help="comma-separated names (default: every registered family)")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--preset", default="small")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--data", default="demo:shapes")
    parser.add_argument("--sample-n", type=int, default=64)
    parser.add_argument("--no-diffusers", action="store_true")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print(f"no CUDA GPU on this machine (torch {torch.__version__}, CUDA build {torch.version.cuda or 'none'}): "
              f"nothing to check")
        return 0
    families = all_families()
    if args.families:
        wanted = {n.strip() for n in args.families.split(",") if n.strip()}
        families = [cls for cls in families if cls.name in wanted]
    props = torch.cuda.get_device_properties(0)
    bf16 = torch.cuda.is_bf16_supported()
    precisions = ["fp32", *(["bf16"] if bf16 else []), "fp16"]
    print(f"{torch.cuda.get_device_name(0)}: {props.total_memory / 2 ** 30:.0f} GiB, compute capability "
          f"{props.major}.{props.minor}; torch {torch.__version__}, CUDA {torch.version.cuda}")
    print(f"{args.steps} steps per run, preset {args.preset}, {args.data} at {args.size}px; precisions: "
          f"{', '.join(precisions)}\n")
    dataset = load_dataset(args.data, size=args.size)
    header = (f"{'family':<16}{'precision':>10}{'train img/s':>13}{'sample img/s':>14}{'peak MiB':>10}"
              f"{'resume':>8}{'sample':>8}{'NaN guard':>11}  problem")
    print(header)
    print("-" * len(header))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for cls in families:
            for precision in precisions:
                row = check(cls, precision, dataset, args, Path(tmp))
                rows.append(row)
                print(f"{row.family:<16}{row.precision:>10}{row.train_ips:>13.0f}{row.sample_ips:>14.1f}"
                      f"{row.peak_mib:>10.0f}{'ok' if row.resumed else '-':>8}{'ok' if row.sampled else '-':>8}"
                      f"{'ok' if row.nan_guard else '-':>11}  {row.problem}", flush=True)
    if not args.no_diffusers and any(cls.name == "diffusion" for cls in families):
        versus_diffusers(args.size, 64, torch.bfloat16 if bf16 else torch.float16)
    failed = [f"{r.family}/{r.precision}" for r in rows if not r.ok]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} checks passed"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
