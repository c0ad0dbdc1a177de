"""A training session's state as a checkpoint holds it, and back: weights, EMA, optimizers, RNG.

`capture` turns the live state into (CPU tensors, JSON-able metadata) for `Run.save_checkpoint`;
`restore` puts such a pair (a checkpoint read from disk, or an in-memory snapshot for a NaN
rollback) back into the live objects. Optimizer states are flattened to tensors named
`optim.<optimizer>.<param index>.<field>`, their scalars and param groups kept in the metadata,
so nothing is pickled.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn

from studio.engine.families.base import Family
from studio.engine.run import RunError, load_module_weights
from studio.engine.training.config import TrainingError


class EMA:
    """Exponential moving average of the weights (buffers are copied).

    The warm-up decay (1 + n) / (warmup + n) after n updates makes the average's weights about n / warmup
    updates old (until `decay` caps it): a fixed share of the run so far, so a short run's average does not
    lag far behind weights that are still improving fast (warmup 10: ~10% of the run)."""

    def __init__(self, modules: Mapping[str, nn.Module], decay: float, warmup: float = 10.0):
        self.decay, self.warmup = decay, warmup
        self.updates = 0
        self.modules = {k: copy.deepcopy(m).eval().requires_grad_(False) for k, m in modules.items()}

    @torch.no_grad()
    def update(self, modules: Mapping[str, nn.Module]) -> None:
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (self.warmup + self.updates))
        for name, module in modules.items():
            ema = self.modules[name]
            ema_params = [p for p in ema.parameters()]
            live_params = [p.detach() for p in module.parameters()]
            if ema_params:                      # a module may hold buffers only (e.g. a VQ codebook)
                torch._foreach_lerp_(ema_params, live_params, 1.0 - decay)
            for b_ema, b in zip(ema.buffers(), module.buffers()):
                b_ema.copy_(b)


def _module_tensors(prefix: str, modules: Mapping[str, nn.Module], into: dict[str, torch.Tensor]) -> None:
    for name, module in modules.items():
        for key, value in module.state_dict().items():
            into[f"{prefix}.{name}.{key}"] = value.detach().to("cpu", copy=True)


def capture(family: Family, ema: EMA | None, optimizers: Mapping[str, torch.optim.Optimizer],
            scaler: torch.amp.GradScaler | None, device: torch.device) -> tuple[dict[str, torch.Tensor], dict]:
    """The live state as (tensors on the CPU, metadata): what a checkpoint holds besides the counters."""
    tensors: dict[str, torch.Tensor] = {}
    _module_tensors("model", family.modules(), tensors)
    if ema:
        _module_tensors("ema", ema.modules, tensors)
    optim_meta = {}
    for name, opt in optimizers.items():
        state = opt.state_dict()
        scalars: dict[str, dict[str, Any]] = {}
        for idx, entries in state["state"].items():
            for key, value in entries.items():
                if torch.is_tensor(value):
                    tensors[f"optim.{name}.{idx}.{key}"] = value.detach().to("cpu", copy=True)
                else:
                    scalars.setdefault(str(idx), {})[key] = value
        optim_meta[name] = {"param_groups": state["param_groups"], "scalars": scalars}
    for key, value in family.extra_state().items():
        tensors[f"extra.{key}"] = value.detach().to("cpu", copy=True)
    tensors["rng.torch"] = torch.get_rng_state()
    if device.type == "cuda":
        tensors["rng.cuda"] = torch.cuda.get_rng_state(device)
    meta = {"ema_updates": ema.updates if ema else 0, "optimizers": optim_meta,
            "scaler": scaler.state_dict() if scaler else None}
    return tensors, meta


def restore(tensors: Mapping[str, torch.Tensor], meta: Mapping[str, Any], source: Path | str, *, family: Family,
            ema: EMA | None, optimizers: Mapping[str, torch.optim.Optimizer], scaler: torch.amp.GradScaler | None,
            device: torch.device, memory_format: torch.memory_format | None) -> None:
    """Put `capture`'s (or a checkpoint's) tensors and metadata back; `source` names it in errors."""

    def group(prefix: str) -> dict[str, torch.Tensor]:
        return {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}

    try:
        load_module_weights(family.modules(), group("model"), source)
        if ema:
            load_module_weights(ema.modules, group("ema") or group("model"), source)
            ema.updates = int(meta.get("ema_updates", 0))
    except RunError as e:
        raise TrainingError(e.message) from None
    for name, opt in optimizers.items():
        saved = meta.get("optimizers", {}).get(name)
        if saved is not None and _same_layout(opt, saved["param_groups"]):
            opt.load_state_dict({"state": _optimizer_state(tensors, name, saved), "param_groups": saved["param_groups"]})
        # else: saved by a version that grouped the parameters otherwise (the VQ-VAE's prior had no optimizer of
        # its own before 2026-12): this optimizer starts afresh; the weights are whole either way.
    family.load_extra_state(group("extra"))
    family.to(device, memory_format)
    torch.set_rng_state(tensors["rng.torch"].clone())
    if device.type == "cuda" and "rng.cuda" in tensors:
        torch.cuda.set_rng_state(tensors["rng.cuda"], device)
    if scaler and meta.get("scaler"):
        scaler.load_state_dict(meta["scaler"])


def _same_layout(opt: torch.optim.Optimizer, saved_groups: list[Mapping[str, Any]]) -> bool:
    return [len(g["params"]) for g in opt.param_groups] == [len(g.get("params", ())) for g in saved_groups]


def _optimizer_state(tensors: Mapping[str, torch.Tensor], name: str, saved: Mapping[str, Any]) -> dict[int, dict]:
    state: dict[int, dict[str, Any]] = {}
    prefix = f"optim.{name}."
    for key, value in tensors.items():
        if key.startswith(prefix):
            idx, field_name = key[len(prefix):].split(".", 1)
            state.setdefault(int(idx), {})[field_name] = value.clone()
    for idx, entries in saved.get("scalars", {}).items():
        state.setdefault(int(idx), {}).update(entries)
    return state
