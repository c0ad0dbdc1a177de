"""Muon for the weight matrices of a network, AdamW for the rest, in one optimizer.

Muon (Jordan et al. 2024, https://kellerjordan.github.io/posts/muon/): SGD momentum whose update is orthogonalised
(replaced by the nearest semi-orthogonal matrix: exactly on a CPU, by five Newton-Schulz iterations elsewhere) so
that every direction of a weight matrix moves at the same rate. A conv weight (O, I, kH, kW) is treated as the (O,
I*kH*kW) matrix. The update is scaled by 0.2 * sqrt(max(rows, cols)) (Liu et al. 2025, "Muon is scalable for LLM
training", https://arxiv.org/abs/2502.16982), which gives it the RMS of an AdamW update, so both kinds of group
share one learning rate and the Trainer's schedule (each group's "lr") drives both. Input and output layers,
embeddings, biases and norms stay with AdamW, as in both papers.
"""
from __future__ import annotations

import math

import torch
from torch.optim.adamw import adamw

NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def newton_schulz(x: torch.Tensor, steps: int = 5) -> torch.Tensor:
    """~U V^T of each (m, n) matrix of x (..., m, n), m <= n, by the quintic Newton-Schulz iteration (Muon's
    original; it maps singular values to ~0.7-1.1): matrix products only, the fast way on a GPU."""
    a, b, c = NS_COEFFICIENTS
    x = x / (x.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    for _ in range(steps):
        gram = x @ x.mT
        x = a * x + (b * gram + c * (gram @ gram)) @ x
    return x


def polar(x: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """U V^T of each (m, n) matrix of x (..., m, n), m <= n, exactly: (x x^T)^-1/2 x by an eigendecomposition of
    the small Gram matrix. On a CPU cheaper than five Newton-Schulz steps: one product to build the Gram matrix
    and one to apply it, instead of ten (benchmarks/RESULTS.md, "Muon against AdamW, and orthogonalisation")."""
    x = x / (x.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    gram = x @ x.mT
    try:
        w, v = torch.linalg.eigh(gram)
    except RuntimeError:                  # did not converge (degenerate input): the iteration never fails
        return newton_schulz(x)
    return (v * w.clamp(min=0).add(eps).rsqrt().unsqueeze(-2)) @ v.mT @ x


def orthogonalize(x: torch.Tensor, exact: bool | None = None) -> torch.Tensor:
    """The orthogonalised update of each matrix of x (k, rows, cols), float32. exact: by the eigendecomposition
    (the default on a CPU), else by Newton-Schulz (the default elsewhere).

    Always in fp32: the polar is the closer of the two to the true U V^T, Newton-Schulz in bf16 trained worse per
    step and no faster, and a bf16 Gram matrix breaks the polar (benchmarks/RESULTS.md, "Muon against AdamW, and
    orthogonalisation")."""
    x = x.float()
    tall = x.shape[-2] > x.shape[-1]
    x = x.mT if tall else x
    exact = x.device.type == "cpu" if exact is None else exact
    x = polar(x) if exact else newton_schulz(x)
    return x.mT if tall else x


class MuonAdamW(torch.optim.Optimizer):
    """param groups with "muon": True get Muon (momentum, nesterov), the others AdamW (betas, eps,
    weight_decay). Build with `MuonAdamW.split(named_params, lr)`."""

    def __init__(self, groups, lr: float = 1e-3, momentum: float = 0.95, betas=(0.9, 0.99), eps: float = 1e-8,
                 weight_decay: float = 0.0, exact: bool | None = None):
        defaults = dict(lr=lr, momentum=momentum, betas=betas, eps=eps, weight_decay=weight_decay,
                        exact=exact, muon=False)
        super().__init__(groups, defaults)

    @staticmethod
    def is_matrix(name: str, p: torch.Tensor) -> bool:
        """Hidden weight matrices: 2-D or more with more than one row and column, not the first or last layer
        (named "stem." and "out.") nor an embedding table ("embed.", "position")."""
        return (p.ndim >= 2 and min(p.shape[0], p[0].numel()) > 1
                and not (name.startswith(("stem.", "out.", "embed.")) or name == "position"))

    @classmethod
    def split(cls, named_params, lr: float, **kwargs) -> "MuonAdamW":
        muon, adam = [], []
        for name, p in named_params:
            if p.requires_grad:
                (muon if cls.is_matrix(name, p) else adam).append(p)
        groups = [g for g in ({"params": muon, "muon": True}, {"params": adam, "muon": False}) if g["params"]]
        return cls(groups, lr=lr, **kwargs)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            lr, wd = group["lr"], group["weight_decay"]
            if group["muon"]:
                if wd:                                                        # decoupled, as AdamW's
                    torch._foreach_mul_(params, 1 - lr * wd)
                self._muon(group, params, lr)
            else:
                self._adamw(group, params, lr)
        return loss

    def _muon(self, group, params, lr):
        mu = group["momentum"]
        bufs = []
        for p in params:
            state = self.state[p]
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = torch.zeros_like(p)
            bufs.append(state["momentum_buffer"])
        grads = [p.grad for p in params]
        torch._foreach_mul_(bufs, mu)
        torch._foreach_add_(bufs, grads)
        updates = torch._foreach_add(grads, bufs, alpha=mu)                       # nesterov
        by_shape: dict[tuple, list[int]] = {}
        for i, p in enumerate(params):                  # same-shaped weights orthogonalised as one batch
            by_shape.setdefault(tuple(p.shape), []).append(i)
        for shape, index in by_shape.items():
            rows, cols = shape[0], math.prod(shape[1:])
            matrices = torch.stack([updates[i].reshape(rows, cols) for i in index])
            out = orthogonalize(matrices, group.get("exact"))
            scale = -lr * 0.2 * math.sqrt(max(rows, cols))
            for i, update in zip(index, out):
                params[i].add_(update.reshape(shape).to(params[i].dtype), alpha=scale)

    def _adamw(self, group, params, lr):
        """torch's own AdamW (foreach: the few small tensors left to it gain nothing from the fused kernel)."""
        avgs, sqs, steps = [], [], []
        for p in params:
            state = self.state[p]
            if "exp_avg" not in state:
                state["step"] = torch.zeros((), dtype=torch.float32)
                state["exp_avg"] = torch.zeros_like(p)
                state["exp_avg_sq"] = torch.zeros_like(p)
            avgs.append(state["exp_avg"])
            sqs.append(state["exp_avg_sq"])
            steps.append(state["step"])
        beta1, beta2 = group["betas"]
        adamw(params, [p.grad for p in params], avgs, sqs, [], steps, foreach=True, amsgrad=False, beta1=beta1,
              beta2=beta2, lr=lr, weight_decay=group["weight_decay"], eps=group["eps"], maximize=False)
