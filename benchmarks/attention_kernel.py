"""The U-Net's attention on a CPU in fp32: PyTorch's math kernel (what a strided query fell back to before) against
its flash kernel (what the contiguous query gets now), alternating in one process, CPU seconds of one thread.

Sampling: one guided forward (conditional and unconditional halves batched) of --n images; training: one
forward and backward of --n images. Each size trains a diffusion run for 10 steps first (weights that are not all
zero), unless --run names one.

    .venv/bin/python benchmarks/attention_kernel.py [--sizes 16,32] [--n 128] [--repeats 5] [--run RUN]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import cpu_name                                          # noqa: E402
from studio.engine import Run                                        # noqa: E402

KERNELS = {"math": [SDPBackend.MATH], "flash": [SDPBackend.FLASH_ATTENTION, SDPBackend.MATH]}


def train_run(size: int, folder: Path) -> Path:
    out = folder / f"diffusion-{size}"
    subprocess.run([sys.executable, "-m", "studio", "train", "demo:shapes", "--family", "diffusion", "--size",
                    str(size), "--steps", "10", "--out", str(out)], check=True, capture_output=True, cwd=ROOT)
    return out


def measure(run: Path, n: int, repeats: int) -> None:
    family, _ = Run.open(run).load_family(None, device=torch.device("cpu"))
    unet, text = family._eval()
    size, channels = family.data.image_size, family.data.channels
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, channels, size, size, generator=generator)
    t = torch.randint(0, len(family.alphas_cumprod), (n,), generator=generator)
    with torch.no_grad():
        cond = tuple(c.detach() for c in family.encode_text(["circle", ""] * (n // 2), text))

    def sampling():
        unet.eval()
        with torch.inference_mode():
            return unet(x, t, *cond), None

    def training():
        unet.train()
        unet.zero_grad(set_to_none=True)
        out = unet(x, t, *cond)
        out.square().mean().backward()
        return out.detach(), [p.grad.clone() for p in unet.parameters() if p.grad is not None]

    for name, work in (("sampling (forward)", sampling), ("training (forward + backward)", training)):
        seconds: dict[str, list[float]] = {kernel: [] for kernel in KERNELS}
        results = {}
        for _ in range(repeats):
            for kernel, backends in KERNELS.items():
                with sdpa_kernel(backends):
                    started = time.process_time()
                    results[kernel] = work()
                    seconds[kernel].append(time.process_time() - started)
        ratio = statistics.median(a / b for a, b in zip(seconds["math"], seconds["flash"]))
        out_difference = (results["math"][0] - results["flash"][0]).abs().max().item()
        line = (f"{size} px, {name}: math {statistics.median(seconds['math']):.3f} CPU s, flash "
                f"{statistics.median(seconds['flash']):.3f}; math / flash {ratio:.2f}; outputs differ by at most "
                f"{out_difference:.1e}")
        if results["math"][1] is not None:
            worst = max(((a - b).abs().max() / a.abs().max().clamp(min=1e-6)).item()
                        for a, b in zip(results["math"][1], results["flash"][1]))
            line += f", gradients by at most {worst:.1e} of their largest value"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="16,32")
    parser.add_argument("--n", type=int, default=128, help="images a forward (half prompted, half not)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--run", help="a diffusion run folder to measure instead of training one a size")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"# attention kernels, {cpu_name()}, torch {torch.__version__}, fp32, one thread, {args.n} images, "
          f"median of {args.repeats} alternating")
    if args.run:
        measure(Path(args.run), args.n, args.repeats)
        return
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            measure(train_run(size, Path(folder)), args.n, args.repeats)


if __name__ == "__main__":
    main()
