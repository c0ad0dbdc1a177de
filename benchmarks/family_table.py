"""Training and sampling speed of every registered family at 32x32, at fp32 and at the automatic precision,
and its model FLOP utilisation.

    .venv/bin/python benchmarks/family_table.py [--families vae,flow] [--preset small] [--seconds 10]
                                                [--size 32] [--data demo:shapes] [--sample-n 16] [--threads 1]
                                                [--stage first|last]

For each family in `all_families()` (or --families): build the preset on the
demo data the way the Trainer does (same DataInfo, device, memory format and
_Context), run a couple of warm-up steps, then time `train_step` on real
batches for --seconds of wall time (at least 3 steps), and time one
`sample(n)` call. Training images/s counts the images of each batch; the
Trainer's EMA update and logging are not included. Sampling at the automatic
precision runs inside torch.autocast with that dtype. Where the automatic
precision is fp32 (a CPU without AVX512-BF16/AMX) the two columns are the same
measurement and the table says so instead of timing it twice. Multi-stage
families are timed in the stage that step 0 trains, or with --stage last in their last stage (the steps counted
from 1,000,000: past any stage switch by steps).

Model FLOP utilisation (MFU): the FLOPs of one training step as torch.utils.flop_counter counts them (matrix
products, convolutions and attention, forward and backward, and the optimizer's own matmuls such as Muon's;
elementwise work is not counted) x training steps per second, over the device's peak: the bf16 matmul peak
measured here on the CPU (2048x2048 products on the threads torch uses), a GPU's dense bf16 datasheet figure
(measured, where the GPU is not in the table). Both precision columns are over the same bf16 peak, so they
show how far from the hardware's limit each family trains. On the CPU both the steps and the peak are per
second of this process's CPU time (the /cpu-s figures), so a busy shared machine does not move the ratio;
on a GPU, per wall second.
"""
from __future__ import annotations

import argparse
import os
import time
from contextlib import nullcontext

import numpy as np
import torch

from studio.engine.data import load_dataset
from studio.engine.families.base import Batch, DataInfo, Family, all_families
from studio.engine.text import build_vocabulary
from studio.engine.training import TrainStepContext, choose_device, choose_precision, precision_name


def data_info(dataset) -> DataInfo:
    """What the Trainer hands a family for this dataset (training.py, Trainer._setup)."""
    return DataInfo(image_size=dataset.images.shape[1], channels=dataset.images.shape[3],
                    label_names=tuple(dataset.label_names), has_captions=any(dataset.captions),
                    vocabulary=build_vocabulary([*dataset.captions, *dataset.label_names]))


def make_batch(dataset, indices: np.ndarray, device: torch.device, memory_format) -> Batch:
    x = torch.from_numpy(dataset.images[indices]).to(device).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    if memory_format is not None:
        x = x.contiguous(memory_format=memory_format)
    labels = None if dataset.labels is None else torch.from_numpy(dataset.labels[indices]).to(device)
    captions = tuple(dataset.captions[i] for i in indices.tolist()) if any(dataset.captions) else None
    return Batch(images=x, labels=labels, captions=captions)


def build(cls: type[Family], preset: str, info: DataInfo, device: torch.device,
          dtype) -> tuple[Family, TrainStepContext, object]:
    torch.manual_seed(0)
    family = cls(cls.Config.from_preset(preset), info)
    channels_last = family.convolutional and (device.type == "cuda" or (device.type == "cpu" and dtype == torch.bfloat16))
    memory_format = torch.channels_last if channels_last else None
    family.to(device, memory_format)
    lr = cls.train_defaults.get("lr", 1e-3)
    ctx = TrainStepContext(device, dtype, family.optimizers(lr), grad_clip=1.0)
    return family, ctx, memory_format


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


# Dense bf16 matmul peaks from the datasheets, TFLOP/s (no sparsity), by a part of the CUDA device name.
GPU_BF16_PEAKS = {"H200": 989.0, "H100 SXM": 989.0, "H100 NVL": 835.0, "H100 PCIe": 756.0, "H100": 756.0,
                  "A100": 312.0, "L40S": 362.0, "L40": 181.0, "L4": 121.0, "A10G": 70.0, "A10": 125.0,
                  "RTX 4090": 165.0, "RTX 3090": 71.0, "A6000": 155.0}


def measured_matmul_peak(device: torch.device, dtype=torch.bfloat16, n: int = 2048, seconds: float = 2.0) -> float:
    """FLOP/s of repeated n x n products on this device: per wall second on a GPU, per second of this
    process's CPU time on the CPU (on the threads torch uses)."""
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    sync(device)
    clock = time.perf_counter if device.type == "cuda" else time.process_time
    start, products = clock(), 0
    while products < 3 or clock() - start < seconds:
        a @ b
        products += 1
    sync(device)
    return 2 * n ** 3 * products / (clock() - start)


def device_peak(device: torch.device) -> tuple[float, str]:
    """(bf16 FLOP/s, where the figure comes from)."""
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        for part, tflops in GPU_BF16_PEAKS.items():
            if part in name:
                return tflops * 1e12, f"{name} datasheet, dense bf16"
        return measured_matmul_peak(device), f"{name} not in the table: measured bf16 matmul"
    return measured_matmul_peak(device), (f"measured bf16 2048x2048 matmul on {torch.get_num_threads()} thread(s), "
                                          f"per CPU-second")


FIRST_STEP = 0         # --stage last sets it to LAST_STAGE_STEP: the step numbers train_step sees start there
LAST_STAGE_STEP = 1_000_000


def flops_per_step(cls, preset, dataset, device) -> int:
    """FLOPs of one fp32 training step (after a warm-up step), counted by torch.utils.flop_counter."""
    from torch.utils.flop_counter import FlopCounterMode

    family, ctx, fmt = build(cls, preset, data_info(dataset), device, None)
    batch_size = int(cls.train_defaults.get("batch_size", 64))
    rng = np.random.default_rng(0)
    batches = [make_batch(dataset, rng.choice(len(dataset), batch_size, replace=False), device, fmt) for _ in range(2)]
    family.train()
    ctx.step = FIRST_STEP
    family.train_step(batches[0], ctx)
    ctx.step = FIRST_STEP + 1
    counter = FlopCounterMode(display=False)
    with counter:
        family.train_step(batches[1], ctx)
    return counter.get_total_flops()


def train_rate(cls, preset, dataset, device, dtype, seconds: float) -> tuple[float, float, int]:
    """(images per wall second, images per CPU second of this process, batch size)."""
    family, ctx, fmt = build(cls, preset, data_info(dataset), device, dtype)
    batch_size = int(cls.train_defaults.get("batch_size", 64))
    rng = np.random.default_rng(0)
    batches = [make_batch(dataset, rng.choice(len(dataset), batch_size, replace=False), device, fmt) for _ in range(4)]
    family.train()
    for step in range(2):                                        # warm-up: allocator, oneDNN kernels, actnorm init
        ctx.step = FIRST_STEP + step
        family.train_step(batches[step % 4], ctx)
    sync(device)
    start, cpu_start, steps = time.perf_counter(), time.process_time(), 0
    while steps < 3 or time.perf_counter() - start < seconds:
        ctx.step = FIRST_STEP + 2 + steps
        family.train_step(batches[steps % 4], ctx)               # returns floats: .item() syncs each step
        steps += 1
    sync(device)
    images = steps * batch_size
    return images / (time.perf_counter() - start), images / (time.process_time() - cpu_start), batch_size


def sample_rate(cls, preset, dataset, device, dtype, n: int) -> tuple[float, float]:
    """(images per wall second, images per CPU second of this process)."""
    family, _, _ = build(cls, preset, data_info(dataset), device, dtype)
    family.eval()
    autocast = torch.autocast(device.type, dtype=dtype) if dtype is not None else nullcontext()
    with autocast:
        list(family.sample(2, seed=0))                             # warm-up
        sync(device)
        start, cpu_start = time.perf_counter(), time.process_time()
        frames = list(family.sample(n, seed=0))
        sync(device)
    assert frames[-1].images.shape[0] == n
    return n / (time.perf_counter() - start), n / (time.process_time() - cpu_start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="", help="comma-separated names (default: every registered family)")
    parser.add_argument("--preset", default="small")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed training wall time per family and precision")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--data", default="demo:shapes")
    parser.add_argument("--sample-n", type=int, default=16, help="images per timed sample() call")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's own; 1 helps on a busy shared CPU, where idle "
                             "threads spin)")
    parser.add_argument("--stage", choices=("first", "last"), default="first",
                        help="which stage a multi-stage family (VQ-VAE, latent diffusion) trains while timed")
    args = parser.parse_args()
    global FIRST_STEP
    FIRST_STEP = LAST_STAGE_STEP if args.stage == "last" else 0
    if args.threads:
        torch.set_num_threads(args.threads)

    families = all_families()
    if args.families:
        wanted = [name.strip() for name in args.families.split(",") if name.strip()]
        known = {cls.name: cls for cls in families}
        missing = [name for name in wanted if name not in known]
        if missing:
            raise SystemExit(f"unknown family {', '.join(missing)}; registered: {', '.join(known)}")
        families = [known[name] for name in wanted]
    choice = choose_device(args.device)
    device = choice.device
    auto_dtype, reason = choose_precision(device, "auto")
    dataset = load_dataset(args.data, size=args.size)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"device: {device} ({choice.name}); torch {torch.__version__}; threads {torch.get_num_threads()}; "
          f"load average at start {load:.1f}")
    print(f"automatic precision: {precision_name(auto_dtype)} — {reason}")
    peak, peak_source = device_peak(device)
    print(f"peak for MFU: {peak / 1e12:.3f} TFLOP/s ({peak_source})")
    print(f"data: {args.data} at {args.size}x{args.size} ({dataset.images.shape[3]} channel(s)); preset {args.preset}; "
          f"training timed for {args.seconds:g} s wall per cell after 2 warm-up steps; sampling: one call of "
          f"{args.sample_n} images after a 2-image warm-up; multi-stage families in their {args.stage} stage\n")

    auto_name = precision_name(auto_dtype)
    print("images/s: per wall-clock second; /cpu-s: per second of this process's CPU time (with --threads 1,\n"
          "per core-second: what the model costs, whatever else the machine is doing)")
    print("GFLOP/step: one training step's FLOPs (torch.utils.flop_counter); MFU: those x steps/s over the peak")
    header = (f"{'family':<16}{'params':>10}{'batch':>6}{'train fp32':>12}{'/cpu-s':>8}{'train auto':>12}{'/cpu-s':>8}"
              f"{'sample fp32':>13}{'/cpu-s':>8}{'sample auto':>13}{'/cpu-s':>8}"
              f"{'GFLOP/step':>12}{'MFU fp32':>10}{'MFU auto':>10}")
    print(header + f"   (auto = {auto_name})")
    print("-" * len(header))
    for cls in families:
        params = sum(p.numel() for m in cls(cls.Config.from_preset(args.preset), data_info(dataset)).modules().values()
                     for p in m.parameters())
        try:
            train32, train32_cpu, batch = train_rate(cls, args.preset, dataset, device, None, args.seconds)
            sample32, sample32_cpu = sample_rate(cls, args.preset, dataset, device, None, args.sample_n)
            flops = flops_per_step(cls, args.preset, dataset, device)
            on_cpu = device.type == "cpu"          # per CPU-second there (see the docstring), per wall second on a GPU
            mfu = f"{flops / 1e9:>12.2f}{flops * (train32_cpu if on_cpu else train32) / batch / peak:>10.2%}"
            if auto_dtype is None:
                train_auto, sample_auto = f"{'= fp32':>12}{'':>8}", f"{'= fp32':>13}{'':>8}"
                mfu += f"{'= fp32':>10}"
            else:
                wall, cpu, _ = train_rate(cls, args.preset, dataset, device, auto_dtype, args.seconds)
                train_auto = f"{wall:>12.1f}{cpu:>8.1f}"
                mfu += f"{flops * (cpu if on_cpu else wall) / batch / peak:>10.2%}"
                wall, cpu = sample_rate(cls, args.preset, dataset, device, auto_dtype, args.sample_n)
                sample_auto = f"{wall:>13.2f}{cpu:>8.2f}"
        except Exception as error:  # noqa: BLE001 - one family failing must not hide the others' figures
            print(f"{cls.name:<16}{params:>10,}  failed: {type(error).__name__}: {error}")
            continue
        print(f"{cls.name:<16}{params:>10,}{batch:>6}{train32:>12.1f}{train32_cpu:>8.1f}{train_auto}"
              f"{sample32:>13.2f}{sample32_cpu:>8.2f}{sample_auto}{mfu}", flush=True)


if __name__ == "__main__":
    main()
