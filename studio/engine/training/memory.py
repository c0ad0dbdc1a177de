"""What training a model needs in memory, and what the device has, so no batch is chosen that cannot fit.

    estimate = estimate_training_memory("diffusion", config, data, precision="auto")
    largest_batch(estimate, available_memory(torch.device("cpu")), wanted=64)

The estimate is measured, not modelled: one real training step of the family on the CPU at batches 2 and 4,
counting every tensor autograd keeps for the backward pass (each storage once; parameters apart). The batch-4
step less the batch-2 step is what an image costs; the rest, with the weights, their gradients, two optimizer
moments and the EMA copy, is what any batch costs. `SAFETY` and `OVERHEAD` cover what the count cannot see
(the backward pass's own buffers, kernel workspaces, the allocator's slack, a checkpoint being written):
benchmarks/RESULTS.md, "Training memory", has the estimate against measured peaks.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

SAFETY = 3.0              # measured peak growth per image was up to 2.9x the count (flow): RESULTS.md
OVERHEAD = 512 * 2**20    # what a run's process grew by beyond the count at batch 8 (up to ~360 MiB): RESULTS.md
CPU_SHARE = 0.8           # of the memory the system calls available: the app and the data need the rest
GPU_MARGIN = 512 * 2**20  # left free on a GPU (the CUDA context, the allocator's fragments)


@dataclass(frozen=True)
class MemoryEstimate:
    per_image: int          # bytes autograd keeps per image of the batch
    fixed: int              # bytes any batch needs: weights, gradients, optimizer state, EMA, the rest of a step

    def at(self, batch: int) -> int:
        """Bytes training at this batch needs, with the safety factor and the overhead."""
        return int(OVERHEAD + SAFETY * (self.fixed + self.per_image * batch))


class _Counting:
    """A StepContext that only runs backward (no optimizer step), with autocast as training would have it."""

    def __init__(self, dtype: torch.dtype | None, step: int):
        self.step, self.device, self.dtype = step, torch.device("cpu"), dtype

    def autocast(self):
        from contextlib import nullcontext
        return nullcontext() if self.dtype is None else torch.autocast("cpu", dtype=self.dtype)

    def optimize(self, name: str, loss: torch.Tensor) -> bool:
        loss.backward()
        return True

    def warn(self, message) -> None:
        pass


def _saved_bytes(family, batch_size: int, step: int, dtype: torch.dtype | None) -> int:
    """Bytes of the tensors autograd saves during one train_step at this batch (parameters not counted)."""
    from studio.engine.families.base import Batch

    data = family.data
    params = {p.untyped_storage().data_ptr() for m in family.modules().values() for p in m.parameters()}
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in params and storage.device.type != "meta":
            seen[storage.data_ptr()] = max(seen.get(storage.data_ptr(), 0), storage.nbytes())
        return t

    g = torch.Generator().manual_seed(0)
    images = torch.rand(batch_size, data.channels, data.image_size, data.image_size, generator=g) * 2 - 1
    labels = torch.arange(batch_size) % len(data.label_names) if data.label_names else None
    captions = ("a picture",) * batch_size if data.has_captions else None
    family.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        family.train_step(Batch(images, labels, captions), _Counting(dtype, step))
    for module in family.modules().values():
        module.zero_grad(set_to_none=True)
    return sum(seen.values())


def estimate_training_memory(family: str, family_config, data, *, precision: str = "fp32") -> MemoryEstimate:
    """Measure what training `family` (with `family_config`, on images like `data`: a DataInfo) needs."""
    from studio.engine.families import get_family
    from studio.engine.training.device import choose_precision

    dtype, _ = choose_precision(torch.device("cpu"), precision)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = get_family(family)(family_config, data)
        parameters = sum(p.numel() * p.element_size() for m in model.modules().values() for p in m.parameters())
        stages = {0}
        for step in (getattr(family_config, "autoencoder_steps", None),):   # a two-stage family: its second stage
            if step:
                stages.add(int(step))
        worst = (0, 0)
        for stage in sorted(stages):
            two, four = _saved_bytes(model, 2, stage, dtype), _saved_bytes(model, 4, stage, dtype)
            per_image = max(0, (four - two) // 2)
            worst = max(worst, (per_image, max(0, two - 2 * per_image)))
    per_image, rest = worst
    return MemoryEstimate(per_image=per_image, fixed=5 * parameters + rest)    # weight, grad, 2 moments, EMA


def available_memory(device: torch.device) -> int | None:
    """Bytes training may use on the device; None when it cannot be told."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return max(0, free - GPU_MARGIN)
    if device.type != "cpu":
        return None
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(int(line.split()[1]) * 1024 * CPU_SHARE)
    except (OSError, ValueError, IndexError):
        pass
    try:                                                      # other Unixes: free pages
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") * CPU_SHARE)
    except (AttributeError, ValueError, OSError):
        return None


def largest_batch(estimate: MemoryEstimate, available: int | None, wanted: int) -> int:
    """`wanted` when it fits (or nothing is known), else the largest power of two below it that does; at least 1."""
    if available is None or estimate.at(wanted) <= available:
        return wanted
    batch = 1
    while batch * 2 < wanted and estimate.at(batch * 2) <= available:
        batch *= 2
    return batch
