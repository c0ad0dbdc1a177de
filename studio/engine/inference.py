"""A loaded model at work in the app's background threads: sampling with the frames kept for an
animation, decoding one latent, encoding one image file.

Each runs under torch.inference_mode() set where it runs: grad mode is per thread, so the worker
must set it itself.

Sampling precision: "auto" draws in bf16 where the device has fast bf16 (a CUDA GPU with bf16, a CPU with
AVX512-BF16/AMX where it measured faster than fp32: training.device.cpu_bf16_probe) and the family gains from
it (BF16_SAMPLING_FAMILIES), else in fp32. bf16 autocast covers the networks' forward passes only; a sampler's
updates are elementwise ops that autocast leaves in fp32.
The precision that drew an image is written into its parameters, so that it regenerates exactly.

One model may be at work in several threads at once (a Generate that was cancelled finishes its step while
the next one starts; a latent slider decodes beside a Generate). Laying the weights out for a precision
replaces them in place, so each forward pass and each layout change holds the model's lock (`model_lock`).
"""
from __future__ import annotations

import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
import torch

from studio.engine.data import load_dataset
from studio.engine.families.base import ConfigError, Frame
from studio.engine.messages import Message
from studio.engine.training.device import cpu_has_bf16, cpu_has_fast_bf16

MAX_KEPT_FRAMES = 120           # progressive frames kept per sampling, for animation export
PRECISIONS = ("auto", "fp32", "bf16")
# Families whose sampling bf16 makes faster at unchanged quality where the hardware has it: the diffusion U-Net,
# ~2x at 16 and 32 px (benchmarks/RESULTS.md, "Sampling precision"). The others draw in one or a few cheap passes
# (milliseconds, far below a process's start-up), and the VQ-VAE's prior picks other tokens in bf16.
BF16_SAMPLING_FAMILIES = frozenset({"diffusion"})


@dataclass(frozen=True)
class SamplingPrecision:
    """The precision a sampling draws in: `name` ("fp32" or "bf16") is what the images record;
    `notice` says why it is not the one asked for (None when it is)."""

    name: str
    notice: Message | None = None


def device_has_bf16(device: torch.device) -> bool:
    """A CUDA GPU with bf16, or a CPU with AVX512-BF16/AMX (elsewhere bf16 is emulated: slower, and other numbers)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and cpu_has_bf16()


def device_has_fast_bf16(device: torch.device) -> bool:
    """Where auto draws in bf16: a CUDA GPU with bf16, or a CPU with native bf16 that measured faster than fp32."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and cpu_has_fast_bf16()


def choose_sampling_precision(family, requested: str | None = "auto") -> SamplingPrecision:
    """What `requested` ("auto", "fp32", "bf16"; None: auto) means for this family on its device.

    bf16 asked where the device lacks it falls back to fp32, with a notice that the images will differ
    slightly from those drawn in bf16.
    """
    requested = requested or "auto"
    if requested not in PRECISIONS:
        raise ConfigError("sample.unknown_precision", precision=requested, choices=", ".join(PRECISIONS))
    device = getattr(family, "device", torch.device("cpu"))      # a stand-in family may not say
    if requested == "auto":
        fast = device_has_fast_bf16(device)
        return SamplingPrecision("bf16" if fast and getattr(family, "name", "") in BF16_SAMPLING_FAMILIES else "fp32")
    if requested == "bf16" and not device_has_bf16(device):
        notice = Message("sample.no_bf16_cpu") if device.type == "cpu" else \
            Message("sample.no_bf16_device", device=str(device))
        return SamplingPrecision("fp32", notice)
    return SamplingPrecision(requested)


_locks: "weakref.WeakKeyDictionary[object, threading.RLock]" = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def model_lock(family) -> threading.RLock:
    """The lock that a forward pass and a change of the weights' layout take on this model (one per model)."""
    with _locks_guard:
        lock = _locks.get(family)
        if lock is None:
            lock = _locks[family] = threading.RLock()
        return lock


def lay_out_for(family, precision: str) -> None:
    """On a CPU, a convolutional family's modules in channels_last under bf16 (oneDNN's fast path: 1.3x for the
    diffusion U-Net, benchmarks/RESULTS.md "Sampling: the whole process") and contiguous in fp32, as the Trainer
    lays them out; on other devices as they were loaded. Weights are copied only when the layout changes."""
    device = getattr(family, "device", torch.device("cpu"))
    if device.type != "cpu" or not getattr(family, "convolutional", False) or not hasattr(family, "all_modules"):
        return
    layout = torch.channels_last if precision == "bf16" else torch.contiguous_format
    with torch.inference_mode(False):       # the weights stay ordinary tensors that autograd may use later
        for module in family.all_modules():
            if any(p.dim() == 4 and not p.is_contiguous(memory_format=layout) for p in module.parameters()):
                module.to(memory_format=layout)


def precision_frames(family, frames: Iterable[Frame], precision: SamplingPrecision | str, *,
                     lock: bool = True) -> Iterator[Frame]:
    """frames, each drawn under `precision`'s autocast (the modules laid out for it first: lay_out_for); the
    caller's code between frames runs outside it. lock=False: without the model's lock, for threads that draw
    side by side in the same precision (draw_images)."""
    name = precision.name if isinstance(precision, SamplingPrecision) else precision
    held = model_lock(family) if lock else nullcontext()
    frames = iter(frames)
    while True:
        with held, torch.autocast(getattr(family, "device", torch.device("cpu")).type, dtype=torch.bfloat16) \
                if name == "bf16" else nullcontext():
            lay_out_for(family, name)      # each step: another thread may have laid it out for its precision
            frame = next(frames, None)
        if frame is None:
            return
        yield frame


def sample_frames(family, n: int, seed: int, prompt: str | None, options: dict,
                  precision: SamplingPrecision | str | None = "auto") -> Iterator[Frame]:
    """Yield every Frame of family.sample(); return the images of the frames kept for animation, in order.

    At most MAX_KEPT_FRAMES are kept, evenly spaced, the last always: a thousand steps of large
    images would not fit in memory. precision: a choose_sampling_precision() result (what the images
    record), or what to ask it for.
    """
    if not isinstance(precision, SamplingPrecision):
        precision = choose_sampling_precision(family, precision)
    frames, keep = [], None
    with torch.inference_mode():
        for frame in precision_frames(family, family.sample(n, seed=seed, prompt=prompt, **options), precision):
            if keep is None:
                keep = set(np.linspace(1, frame.total, min(frame.total, MAX_KEPT_FRAMES)).round().astype(int))
            if frame.step in keep or frame.is_last:
                frames.append(frame.images)
            yield frame
    return frames


def draw_images(family, n: int, seed: int, prompt: str | None, options: dict, precision: SamplingPrecision, *,
                chunk: int = 256, on_frame: Callable[[Frame], None] | None = None,
                on_done: Callable[[int], None] | None = None) -> np.ndarray:
    """The final images of n samples, image i drawn from seed + i, at most `chunk` at a time: what a process of
    its own (`genstudio sample`) draws. On a CPU with several torch threads the chunks are drawn side by side,
    each in a thread of its own on one core: the CPU attention kernel barely uses a second core, so this is
    ~1.1x faster for the diffusion U-Net than one batch on all of them (benchmarks/RESULTS.md, "Sampling
    settings measured on trained runs of five sets"). It sets torch's thread count while it runs, so it is for
    a process that does nothing else.

    on_frame: called with each Frame of the chunk that starts at image 0 (from a worker thread);
    on_done: called with the number of images finished, after each chunk (from a worker thread)."""
    device = getattr(family, "device", torch.device("cpu"))
    threads = torch.get_num_threads()
    workers = max(1, min(threads, n)) if device.type == "cpu" else 1
    size = max(1, min(chunk, -(-n // workers)))
    starts = list(range(0, n, size))
    images: list[np.ndarray | None] = [None] * len(starts)
    finished = [0]
    counting = threading.Lock()
    with model_lock(family):
        lay_out_for(family, precision.name)           # once, before the threads draw without the lock

    def draw(index: int) -> None:
        if workers > 1:
            torch.set_num_threads(1)                  # this thread's own OpenMP setting: one core each
        start = starts[index]
        count = min(size, n - start)
        last = None
        with torch.inference_mode():
            for frame in precision_frames(family, family.sample(count, seed=seed + start, prompt=prompt, **options),
                                          precision, lock=workers == 1):
                if on_frame is not None and start == 0:
                    on_frame(frame)
                last = frame
        images[index] = last.images
        with counting:
            finished[0] += count
            if on_done is not None:
                on_done(finished[0])

    if workers == 1:
        for index in range(len(starts)):
            draw(index)
    else:
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(draw, range(len(starts))))         # re-raises a worker's error here
        finally:
            torch.set_num_threads(threads)
    return np.concatenate(images)


def decode_latent(family, z: np.ndarray) -> np.ndarray:
    """One latent (latent_shape) -> one (H, W, C) uint8 image."""
    with model_lock(family), torch.inference_mode():
        return family.decode(z[None].astype(np.float32))[0]


def encode_file(family, path: str) -> tuple[np.ndarray, np.ndarray]:
    """An image file -> (the image at the model's size, its latent). DatasetError names the file."""
    data = family.data
    dataset = load_dataset(path, size=data.image_size, channels=data.channels, workers=1)
    image = dataset.images[0]
    with model_lock(family), torch.inference_mode():
        return image, family.encode(image[None])[0]
