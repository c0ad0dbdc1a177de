"""studio.engine.optim: orthogonalised updates, which weights get Muon, the AdamW half against torch's, resume."""
from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from studio.engine.families.base import DataInfo
from studio.engine.families.diffusion import Diffusion, DiffusionConfig
from studio.engine.optim import MuonAdamW, newton_schulz, orthogonalize, polar


@pytest.mark.parametrize("shape", [(3, 16, 72), (2, 72, 16), (1, 32, 32)])
def test_updates_are_orthogonalised_exactly_or_nearly(shape):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=g)
    for exact in (True, False):
        out = orthogonalize(x, exact=exact)
        assert out.shape == x.shape and out.dtype == torch.float32
        s = torch.linalg.svdvals(out)
        if exact:
            assert torch.allclose(s, torch.ones_like(s), atol=5e-3)   # eps damps only the tiniest
            # U V^T of the SVD: the same singular vectors as x
            u, _, vh = torch.linalg.svd(x, full_matrices=False)
            assert torch.allclose(out, u @ vh, atol=5e-3)
        else:
            assert s.min() > 0.6 and s.max() < 1.2              # the quintic iteration's band
    wide = torch.randn(4, 8, 20, generator=g)
    assert torch.allclose(polar(wide), orthogonalize(wide, exact=True))
    assert torch.allclose(newton_schulz(wide), orthogonalize(wide, exact=False))


def test_zero_gradients_give_zero_updates():
    assert orthogonalize(torch.zeros(2, 8, 12), exact=True).abs().max() == 0
    assert orthogonalize(torch.zeros(2, 8, 12), exact=False).abs().max() == 0


def test_hidden_matrices_get_muon_and_the_rest_adamw():
    model = Diffusion(DiffusionConfig.from_preset("light", optimizer="muon"),
                      DataInfo(32, 3, vocabulary=("red", "circle")))
    opt = model.optimizers(1e-3)["main"]
    assert isinstance(opt, MuonAdamW)
    names = {id(p): f"{m}.{n}" for m, module in model.modules().items() for n, p in module.named_parameters()}
    muon, adam = ({names[id(p)] for p in g["params"]} for g in sorted(opt.param_groups, key=lambda g: not g["muon"]))
    assert "unet.stem.weight" in adam and "unet.out.weight" in adam
    assert "text.embed.weight" in adam and "text.position" in adam
    assert "unet.mid1.conv1.weight" in muon and "text.blocks.0.qkv.weight" in muon
    assert all(not n.endswith("bias") for n in muon) and all(n.endswith(".weight") for n in muon)
    assert len(muon) + len(adam) == len(names)


def test_the_adamw_half_is_torch_adamw():
    """Also when one weight has no gradient on some steps (its bias correction runs on its own step count)."""
    torch.manual_seed(0)
    ours = [torch.randn(10, requires_grad=True), torch.randn(3, 4, requires_grad=True)]
    theirs = [p.detach().clone().requires_grad_(True) for p in ours]
    a = MuonAdamW([{"params": ours, "muon": False}], lr=1e-2, betas=(0.9, 0.99), weight_decay=0.01)
    b = torch.optim.AdamW(theirs, lr=1e-2, betas=(0.9, 0.99), weight_decay=0.01)
    for step in range(6):
        for i, (p, q) in enumerate(zip(ours, theirs)):
            g = torch.randn(p.shape) if i == 0 or step >= 3 else None
            p.grad, q.grad = g, None if g is None else g.clone()
        a.step()
        b.step()
    for p, q in zip(ours, theirs):
        assert torch.allclose(p, q, atol=1e-6)


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 1))


def _fit(model, opt, steps, seed):
    g = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(steps):
        x = torch.randn(64, 8, generator=g)
        loss = (model(x).squeeze(1) - x[:, 0] * x[:, 1]).pow(2).mean()
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    return losses


def test_it_fits_a_small_problem_and_resumes_exactly():
    model = _mlp()
    named = [(n.replace("0.", "stem.", 1) if n.startswith("0.") else n, p) for n, p in model.named_parameters()]
    opt = MuonAdamW.split(named, lr=2e-2)
    assert [len(g["params"]) for g in opt.param_groups] == [1, 5]       # 2.weight; the rest (a row: 4) AdamW
    losses = _fit(model, opt, 150, seed=0)
    assert losses[-1] < 0.3 * losses[0]

    saved_model, saved_opt = copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())
    straight = _fit(model, opt, 5, seed=1)
    other = _mlp()
    other.load_state_dict(saved_model)
    named = [(n.replace("0.", "stem.", 1) if n.startswith("0.") else n, p) for n, p in other.named_parameters()]
    resumed_opt = MuonAdamW.split(named, lr=2e-2)
    resumed_opt.load_state_dict(saved_opt)
    assert _fit(other, resumed_opt, 5, seed=1) == straight
