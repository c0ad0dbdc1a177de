"""How live do the latent sliders feel, and how fast does the VQ prior write images?

    .venv/bin/python benchmarks/latent_latency.py [--threads N] [--size 32] [--repeats 50]

Prints, for one 32x32 RGB image:
- VAE (small preset) decode and encode latency: a slider update is one decode
  (target <= 30 ms so dragging a slider feels live); editing a dropped image
  costs one encode first. Median and 90th percentile over --repeats calls.
- VQ-VAE (small preset) decode latency, and prior sampling throughput in
  images per second (64 tokens each at 32 px, KV cache), with and without
  classifier-free guidance (guidance doubles the batch).
Weights are freshly initialised: speed does not depend on what was learned.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from studio.engine.families.base import DataInfo
from studio.engine.families.vae import VAE, VAEConfig
from studio.engine.families.vqvae import VQVAE, VQVAEConfig
from studio.engine.latent import LatentDirection, move_along


def timed(fn, repeats: int, warmup: int = 3) -> tuple[float, float]:
    """(median, 90th percentile) milliseconds of fn()."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), float(np.percentile(times, 90))


def vae_figures(size: int, repeats: int) -> None:
    torch.manual_seed(0)
    vae = VAE(VAEConfig.from_preset("small"), DataInfo(size, 3))
    image = np.random.default_rng(0).integers(0, 256, (1, size, size, 3), dtype=np.uint8)
    z = vae.encode(image)[0]
    direction = LatentDirection("d", np.eye(vae.config.latent_dim, dtype=np.float32)[0])
    values = iter(np.tile(np.linspace(-3, 3, 25), 100))

    def slider_update():                        # what the app does when a slider moves
        vae.decode(move_along(z, direction, float(next(values)))[None])

    for name, fn in (("slider update (decode)", slider_update), ("encode", lambda: vae.encode(image))):
        median, p90 = timed(fn, repeats)
        print(f"vae small {size}x{size}: {name:<24} median {median:6.2f} ms, p90 {p90:6.2f} ms"
              f"{'  (target <= 30 ms)' if 'slider' in name else ''}")


def vq_figures(size: int, repeats: int, batch: int) -> None:
    torch.manual_seed(0)
    vocabulary = ("small", "large", "red", "green", "blue", "circle", "square", "triangle", "star")
    vq = VQVAE(VQVAEConfig.from_preset("small"), DataInfo(size, 3, vocabulary=vocabulary, has_captions=True))
    image = np.random.default_rng(0).integers(0, 256, (1, size, size, 3), dtype=np.uint8)
    latent = vq.encode(image)
    median, p90 = timed(lambda: vq.decode(latent), repeats)
    print(f"vqvae small {size}x{size}: decode                   median {median:6.2f} ms, p90 {p90:6.2f} ms")
    tokens = vq.side * vq.side
    for guidance in (1.0, 2.0):
        run = lambda: list(vq.sample(batch, seed=0, prompt="red circle", guidance=guidance))   # noqa: E731
        run()
        start = time.perf_counter()
        rounds = 3
        for _ in range(rounds):
            run()
        seconds = (time.perf_counter() - start) / rounds
        print(f"vqvae small {size}x{size}: prior sampling, batch {batch}, guidance {guidance:g}: "
              f"{batch / seconds:6.1f} images/s ({seconds:.2f} s per batch, {tokens} tokens, "
              f"{vq.side} row frames decoded)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), device cpu")
    with torch.inference_mode():
        vae_figures(args.size, args.repeats)
        vq_figures(args.size, args.repeats, args.batch)


if __name__ == "__main__":
    main()
