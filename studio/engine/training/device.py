"""Where and how precisely to train: the device (CUDA, then Apple MPS, then the CPU), autocast, cores."""
from __future__ import annotations

import functools
import json
import math
import os
import threading
import time
from dataclasses import dataclass

import torch

from studio.engine.messages import Message
from studio.engine.training.config import TrainingError


@dataclass(frozen=True)
class DeviceChoice:
    device: torch.device
    name: str
    reason: Message


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or "CPU"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


def choose_device(requested: str = "auto") -> DeviceChoice:
    """CUDA, then Apple MPS, then CPU; an explicit request that cannot be met is an error."""
    requested = (requested or "auto").lower()
    if requested == "auto":
        if torch.cuda.is_available():
            return DeviceChoice(torch.device("cuda"), torch.cuda.get_device_name(0), Message("device.cuda_found"))
        if _mps_available():
            return DeviceChoice(torch.device("mps"), "Apple GPU (MPS)", Message("device.mps_found"))
        return DeviceChoice(torch.device("cpu"), _cpu_name(), Message("device.no_gpu"))
    if requested == "cpu":
        return DeviceChoice(torch.device("cpu"), _cpu_name(), Message("device.chosen"))
    if requested.startswith("cuda"):
        if not torch.cuda.is_available():
            why = Message("device.no_cuda_build" if torch.version.cuda is None else "device.no_cuda_gpu")
            raise TrainingError("train.device_unavailable", device=requested, reason=why)
        device = torch.device(requested)
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise TrainingError("train.no_such_device", device=requested, count=torch.cuda.device_count())
        return DeviceChoice(device, torch.cuda.get_device_name(device.index or 0), Message("device.chosen"))
    if requested == "mps":
        if not _mps_available():
            raise TrainingError("train.device_unavailable", device="mps", reason=Message("device.no_mps"))
        return DeviceChoice(torch.device("mps"), "Apple GPU (MPS)", Message("device.chosen"))
    raise TrainingError("train.unknown_device", device=requested)


def available_devices() -> list[tuple[str, str]]:
    """(device, name) for each device training can be asked for: "auto" (named by what it picks), each
    CUDA GPU ("cuda:N"), the Apple GPU ("mps") where there is one, and "cpu"."""
    devices = [("auto", choose_device("auto").name)]
    for index in range(torch.cuda.device_count() if torch.cuda.is_available() else 0):
        devices.append((f"cuda:{index}", torch.cuda.get_device_name(index)))
    if _mps_available():
        devices.append(("mps", "Apple GPU (MPS)"))
    devices.append(("cpu", _cpu_name()))
    return devices


# bf16 autocast is auto's choice on a CPU only where the probe below measures it this much faster than fp32: an
# AVX512-BF16 CPU may gain 1.5-1.8x (an AMD EPYC) or nothing (an Intel Xeon without AMX), and where it gains
# nothing fp32 is the better choice, exact on every machine (benchmarks/RESULTS.md, "bf16 measured, not assumed").
BF16_PAYS = 1.15
_PROBE_FILE = "cpu-bf16.json"
_PROBE_LOCK = threading.Lock()


def cpu_bf16_feature() -> str | None:
    """The CPU's native bf16 instructions, "AMX" or "AVX512-BF16"; None where bf16 is emulated (slow)."""
    if getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)():
        return "AMX"
    if getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)():
        return "AVX512-BF16"
    return None


def cpu_has_bf16() -> bool:
    """Native bf16 (AVX512-BF16 or AMX): asked-for bf16 runs as bf16, not emulated."""
    return cpu_bf16_feature() is not None


def _probe_key() -> dict:
    return {"cpu": _cpu_name(), "feature": cpu_bf16_feature(), "torch": torch.__version__}


def _measure_bf16_speedup(rounds: int = 5, repeats: int = 3) -> dict:
    """fp32 seconds / bf16 seconds of a small convolutional block's training step (a U-Net's stage at 16 px, batch
    8: convolutions, GroupNorm, SiLU; forward and backward), bf16 laid out channels_last as the Trainer does. The
    two alternate and each keeps its fastest round, so another process's load slows both alike. ~0.3-0.6 s."""
    from torch import nn

    def block() -> nn.Module:
        return nn.Sequential(nn.Conv2d(32, 64, 3, padding=1), nn.GroupNorm(8, 64), nn.SiLU(),
                             nn.Conv2d(64, 64, 3, padding=1), nn.GroupNorm(8, 64), nn.SiLU(),
                             nn.Conv2d(64, 32, 3, padding=1))

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(8, 32, 16, 16, generator=generator)
    # the blocks' initialisation draws from the global generator: forked, so the caller's random state is untouched
    with torch.random.fork_rng(devices=[]), torch.inference_mode(False), torch.enable_grad():
        torch.manual_seed(0)
        fp32 = block()
        bf16 = block().to(memory_format=torch.channels_last)
        cases = {"fp32": (fp32, x, False), "bf16": (bf16, x.contiguous(memory_format=torch.channels_last), True)}

        def step(name: str) -> float:
            model, inputs, autocast = cases[name]
            start = time.perf_counter()
            for _ in range(repeats):
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
                    out = model(inputs)
                out.float().square().mean().backward()
            return time.perf_counter() - start

        for name in cases:                  # warm-up: oneDNN picks and builds its kernels on the first calls
            step(name)
        best = {name: step(name) for name in cases}
        for _ in range(rounds - 1):
            for name in cases:
                best[name] = min(best[name], step(name))
    return {"fp32_s": best["fp32"], "bf16_s": best["bf16"], "speedup": best["fp32"] / best["bf16"],
            "threads": torch.get_num_threads()}


@functools.lru_cache(maxsize=1)
def cpu_bf16_probe() -> dict | None:
    """The bf16 speed-up measured on this CPU (`_measure_bf16_speedup`'s dict plus the CPU, its bf16 feature and
    the torch version), None on a CPU without native bf16. Measured once per CPU and torch version: kept as JSON
    in the cache folder (a file that does not match or does not parse is measured again and replaced)."""
    key = _probe_key()
    if key["feature"] is None:
        return None
    with _PROBE_LOCK:           # the app warms it in a thread: a second caller waits, then reads the file
        return _kept_or_measured(key)


def _kept_or_measured(key: dict) -> dict:
    from studio import paths
    from studio.engine.checkpoint import atomic_write_text

    path = paths.cache_dir() / _PROBE_FILE
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(kept, dict) and {k: kept.get(k) for k in key} == key \
                and type(kept.get("speedup")) in (int, float) and 0 < kept["speedup"] < math.inf:
            return kept
    except (OSError, ValueError):
        pass
    measured = {**key, **_measure_bf16_speedup()}
    try:
        atomic_write_text(path, json.dumps(measured, indent=1))
    except OSError:
        pass                                # an unwritable cache folder: measured again by the next process
    return measured


def cpu_has_fast_bf16() -> bool:
    """Native bf16 that the probe measured at least BF16_PAYS times faster than fp32 here: auto's bf16 on a CPU."""
    probe = cpu_bf16_probe()
    return probe is not None and probe["speedup"] >= BF16_PAYS


def choose_precision(device: torch.device, requested: str = "auto") -> tuple[torch.dtype | None, Message]:
    """(autocast dtype or None for fp32, the reason)."""
    if requested == "fp32":
        return None, Message("device.chosen")
    if requested == "bf16":
        if device.type == "cuda" and not torch.cuda.is_bf16_supported():
            raise TrainingError("train.no_gpu_bf16")
        return torch.bfloat16, Message("device.chosen")
    if requested == "fp16":
        if device.type == "cpu":
            raise TrainingError("train.no_cpu_fp16")
        return torch.float16, Message("device.chosen")
    if device.type == "cuda":
        if torch.cuda.is_bf16_supported():
            return torch.bfloat16, Message("precision.gpu_bf16")
        return torch.float16, Message("precision.gpu_fp16")
    if device.type == "cpu":
        probe = cpu_bf16_probe()
        if probe is None:
            return None, Message("precision.cpu_fp32")
        speedup = round(float(probe["speedup"]), 2)
        if cpu_has_fast_bf16():
            return torch.bfloat16, Message("precision.cpu_bf16", feature=probe["feature"], speedup=speedup)
        return None, Message("precision.cpu_bf16_slow", feature=probe["feature"], speedup=speedup)
    return None, Message("precision.fp32_on", device=device.type)


def precision_name(dtype: torch.dtype | None) -> str:
    return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[dtype]


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity), not the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def is_out_of_memory(error: BaseException) -> bool:
    """CUDA/MPS/CPU allocation failures, which torch raises in several shapes."""
    if isinstance(error, MemoryError) or isinstance(error, getattr(torch, "OutOfMemoryError", ())):
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)

