"""Where and how precisely to train: the device (CUDA, then Apple MPS, then the CPU), autocast, cores."""
from __future__ import annotations

import os
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


def cpu_has_fast_bf16() -> bool:
    """AVX512-BF16 or AMX: where bf16 autocast beats fp32 on the CPU (elsewhere it is slower)."""
    checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in checks)


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
        if cpu_has_fast_bf16():
            return torch.bfloat16, Message("precision.cpu_bf16")
        return None, Message("precision.cpu_fp32")
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

