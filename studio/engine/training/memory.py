"""What training a model needs in memory, and what the device has, so no batch is chosen that cannot fit.

    estimate = estimate_training_memory("diffusion", config, data, precision="auto")
    largest_batch(estimate, available_memory(torch.device("cpu")), wanted=64)

The estimate is measured, not modelled: the family is built on the CPU and one real `train_step` runs at batch 2
and at batch 4 (in each stage of a two-stage family), counting the bytes of the tensors autograd keeps for the
backward pass while they are kept (each storage once, parameters apart), at their peak. Batch 4 less batch 2 is
what an image costs. The weights, their gradients, the optimizer's state (two moments per weight), the EMA copy,
the copy of these the Trainer keeps for a NaN rollback, and the copies a checkpoint write makes cost the same at
any batch. `SAFETY` covers what the count cannot see per image (the backward pass's own buffers), `OVERHEAD`
what a run adds at any batch (libraries loaded by the first step, kernel workspaces, a family's checkpoint-time
work): benchmarks/RESULTS.md, "Training memory: estimate against measured".
"""
from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import torch

# What the count cannot see, set from benchmarks/RESULTS.md, "Training memory: estimate against measured":
SAFETY = 2.0              # per image: the backward pass's own buffers (the PixelCNN's run grew 1.7x its count)
OVERHEAD = 384 * 2**20    # at any batch: libraries the first step loads, a checkpoint's latent fit (32 px)
CPU_SHARE = 0.8           # of the memory the system calls available: the app, the data and the OS keep the rest
GPU_MARGIN = 512 * 2**20  # left free on a GPU: the CUDA context's growth, the allocator's fragments


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes training a model needs: `per_image` for each image of the batch, `fixed` for any batch."""

    per_image: int          # bytes of activations kept for backward, per image in the batch
    fixed: int              # bytes independent of the batch: weights, gradients, optimizer state, EMA copy, ...

    def at(self, batch: int) -> int:
        """Bytes training at this batch needs: OVERHEAD + fixed + SAFETY × per_image × batch."""
        return int(OVERHEAD + self.fixed + SAFETY * self.per_image * batch)


class _SavedPeak:
    """saved_tensors_hooks that track the bytes autograd keeps for backward: each storage counted once while
    any saved tensor holds it (many saved tensors are views of one storage), and the peak of that sum."""

    def __init__(self, skip: set[int]):
        self.skip = skip                      # storages not to count (the parameters)
        self.holders: dict[int, int] = {}     # storage address -> saved tensors holding it
        self.live = self.peak = 0

    def pack(self, tensor: torch.Tensor) -> "_Kept":
        return _Kept(self, tensor)

    @staticmethod
    def unpack(kept: "_Kept") -> torch.Tensor:
        return kept.tensor

    def hold(self, key: int, nbytes: int) -> None:
        if key in self.skip:
            return
        self.holders[key] = self.holders.get(key, 0) + 1
        if self.holders[key] == 1:
            self.live += nbytes
            self.peak = max(self.peak, self.live)

    def release(self, key: int, nbytes: int) -> None:
        if key in self.holders:
            self.holders[key] -= 1
            if self.holders[key] == 0:
                del self.holders[key]
                self.live -= nbytes


class _Kept:
    """One saved tensor as autograd holds it; freed with the graph, which releases its storage's count."""

    __slots__ = ("counter", "tensor", "key", "nbytes")

    def __init__(self, counter: _SavedPeak, tensor: torch.Tensor):
        self.counter, self.tensor = counter, tensor
        try:
            storage = tensor.untyped_storage()
            self.key, self.nbytes = storage.data_ptr(), storage.nbytes()
        except (RuntimeError, NotImplementedError):       # sparse or other storage-less tensors: not counted
            self.key, self.nbytes = -1, 0
        counter.hold(self.key, self.nbytes)

    def __del__(self):
        self.counter.release(self.key, self.nbytes)


class _BackwardOnly:
    """A StepContext whose optimize() runs backward only, under the autocast training would use."""

    def __init__(self, dtype: torch.dtype | None, step: int):
        self.step, self.device, self.dtype = step, torch.device("cpu"), dtype

    def autocast(self):
        return nullcontext() if self.dtype is None else torch.autocast("cpu", dtype=self.dtype)

    def optimize(self, name: str, loss: torch.Tensor) -> bool:
        loss.backward()
        return True

    def warn(self, message) -> None:
        pass


def _synthetic_batch(data, batch_size: int):
    from studio.engine.families.base import Batch

    g = torch.Generator().manual_seed(0)
    images = torch.rand(batch_size, data.channels, data.image_size, data.image_size, generator=g) * 2 - 1
    labels = torch.arange(batch_size) % len(data.label_names) if data.label_names else None
    captions = ("a picture",) * batch_size if data.has_captions else None
    return Batch(images, labels, captions)


def _saved_peak(family, batch_size: int, step: int, dtype: torch.dtype | None) -> int:
    """Peak bytes of the tensors autograd keeps during one train_step at this batch (parameters not counted).
    Leaves the step's gradients in the parameters."""
    params = {p.untyped_storage().data_ptr() for m in family.modules().values() for p in m.parameters()}
    counter = _SavedPeak(params)
    family.train()
    with torch.autograd.graph.saved_tensors_hooks(counter.pack, counter.unpack):
        family.train_step(_synthetic_batch(family.data, batch_size), _BackwardOnly(dtype, step))
    return counter.peak


def _tensor_bytes(tensors) -> int:
    storages = {}
    for t in tensors:
        if isinstance(t, torch.Tensor):
            storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
    return sum(storages.values())


def _measure_dtype(precision: str) -> torch.dtype | None:
    """The autocast dtype to count under: a 16-bit one keeps activations at the same size on any device, so
    bf16 stands for fp16 too (the CPU has no fp16 autocast for every op); "auto" as it resolves on this CPU
    (fp32 on one without fast bf16: then the count is high for a GPU, which would train in 16 bits)."""
    if precision in ("bf16", "fp16"):
        return torch.bfloat16
    if precision == "auto":
        from studio.engine.training.device import cpu_has_fast_bf16
        return torch.bfloat16 if cpu_has_fast_bf16() else None
    return None


def estimate_training_memory(family: str, family_config, data, *, precision: str = "fp32") -> MemoryEstimate:
    """Measure what training `family` with `family_config` on images like `data` (a DataInfo) needs, at
    `precision` ("fp32", "bf16", "fp16" or "auto"). A two-stage family (the VQ-VAE: autoencoder, then prior
    from `autoencoder_steps`) is measured in each stage and the larger one counts."""
    from studio.engine.families import get_family

    dtype = _measure_dtype(precision)
    stages = [0]
    if getattr(family_config, "autoencoder_steps", 0):
        stages.append(int(family_config.autoencoder_steps))
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = get_family(family)(family_config, data)
        modules = list(model.modules().values())
        weights = _tensor_bytes([*(p for m in modules for p in m.parameters()),
                                 *(b for m in modules for b in m.buffers())])
        # what the optimizers get (a later stage may freeze some: the VQ-VAE's autoencoder)
        gradients = _tensor_bytes([p for m in modules for p in m.parameters() if p.requires_grad])
        per_image = saved_fixed = 0                  # the larger of each over the stages
        for step in stages:
            two = _saved_peak(model, 2, step, dtype)
            four = _saved_peak(model, 4, step, dtype)
            for module in model.modules().values():
                module.zero_grad(set_to_none=True)
            stage_per_image = max(0, (four - two) // 2)
            per_image = max(per_image, stage_per_image)
            saved_fixed = max(saved_fixed, two - 2 * stage_per_image)
    # Adam-type optimizers keep two moments per weight, Muon one: two bounds every family's real state (a test
    # checks it after a real step; stepping here would cost the first estimate 1.5 s importing torch._dynamo)
    moments = 2 * gradients
    state = weights + moments + weights             # what a checkpoint holds: weights, optimizer state, EMA
    stepping = state + gradients + saved_fixed + state          # the second `state`: the Trainer's rollback copy
    # a checkpoint write (gradients freed, no activations): the live state, the rollback copy, the new snapshot
    # and its serialized bytes (safetensors.torch.save builds the file in memory)
    checkpoint = 4 * state
    return MemoryEstimate(per_image=per_image, fixed=max(stepping, checkpoint))


def available_memory(device: torch.device) -> int | None:
    """Bytes training may use on `device`: on a GPU what is free (counting what this process's allocator holds
    unused) less `GPU_MARGIN`; on the CPU `CPU_SHARE` of what the system has available; None when unknown."""
    device = torch.device(device)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        cached = torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
        return max(0, free + cached - GPU_MARGIN)
    system = _system_available()
    cpu = None if system is None else int(system * CPU_SHARE)
    if device.type == "mps":                         # shares the system's memory, up to what Metal recommends
        recommended = getattr(torch.mps, "recommended_max_memory", None)
        if recommended is None:
            return cpu
        gpu = max(0, recommended() - torch.mps.driver_allocated_memory() - GPU_MARGIN)
        return gpu if cpu is None else min(gpu, cpu)
    return cpu if device.type == "cpu" else None


def _system_available() -> int | None:
    try:                                             # Linux: MemAvailable counts the page cache it can drop
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil                                # optional: Windows and macOS where installed
        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:                                             # other Unixes: free pages (less than available: safe)
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def largest_batch(estimate: MemoryEstimate, available: int | None, wanted: int) -> int:
    """`wanted` when it fits (or nothing is known of the memory), else the largest power of two below it whose
    estimate fits; at least 1."""
    if available is None or estimate.at(wanted) <= available:
        return wanted
    batch = 1
    while batch * 2 < wanted and estimate.at(batch * 2) <= available:
        batch *= 2
    return batch
