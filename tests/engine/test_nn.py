"""The shared blocks' fast paths compute what the plain PyTorch ops compute."""
import pytest
import torch
import torch.nn.functional as F

from studio.engine.families.base import FusedAdamW
from studio.engine.nn import GroupNorm, SpatialAttention, attention, group_norm


@pytest.mark.parametrize("dtype, tol", [(torch.bfloat16, 2e-2), (torch.float32, 1e-5)])
def test_group_norm_on_channels_last_matches_native(dtype, tol):
    torch.manual_seed(0)
    norm = group_norm(64)
    assert isinstance(norm, GroupNorm) and norm.num_groups == 32
    with torch.no_grad():
        norm.weight.uniform_(0.5, 1.5)
        norm.bias.uniform_(-0.5, 0.5)
    x = torch.randn(4, 64, 8, 8).to(dtype).contiguous(memory_format=torch.channels_last).requires_grad_()
    y = norm(x)
    assert y.dtype == dtype and y.is_contiguous(memory_format=torch.channels_last) and not y.is_contiguous()
    y.float().square().sum().backward()
    fast_grads = x.grad.clone(), norm.weight.grad.clone()
    x_ref = x.detach().contiguous().requires_grad_()
    norm.zero_grad()
    ref = F.group_norm(x_ref, 32, norm.weight, norm.bias, norm.eps)
    ref.float().square().sum().backward()
    assert torch.allclose(y.float(), ref.float(), atol=tol)
    assert torch.allclose(fast_grads[0].float(), x_ref.grad.float(), rtol=tol, atol=2.5 * tol)
    assert torch.allclose(fast_grads[1], norm.weight.grad, rtol=tol, atol=2.5 * tol)


def test_attention_under_cpu_autocast_runs_in_fp32_and_returns_bf16():
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 4, 16, 8) for _ in range(3))
    mask = torch.ones(2, 1, 1, 16, dtype=torch.bool)
    mask[0, ..., -3:] = False
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = attention(q.bfloat16(), k.bfloat16(), v.bfloat16(), mask)
    assert out.dtype == torch.bfloat16
    assert torch.allclose(out.float(), expected, atol=3e-2)       # only the bf16 rounding of q, k, v and out
    assert torch.equal(attention(q, k, v, mask), expected)        # fp32: the plain call


def test_spatial_attention_matches_reference_layout():
    """Channel c of qkv is (which, head, d) in that order and the output channels are (head, d): the layout
    the checkpoints were trained with, for contiguous and channels_last inputs."""
    torch.manual_seed(0)
    attn = SpatialAttention(16, heads=4, context_dim=8)
    torch.nn.init.normal_(attn.proj.weight)
    x, context = torch.randn(2, 16, 4, 4), torch.randn(2, 3, 8)
    context_mask = torch.tensor([[True, True, False], [True, False, False]])

    def reference(x):
        b, c, h, w = x.shape
        q, k, v = attn.qkv(attn.norm(x)).reshape(b, 3, 4, c // 4, h * w).transpose(-1, -2).unbind(1)
        ck, cv = attn.context_kv(context).reshape(b, 3, 2, 4, c // 4).permute(2, 0, 3, 1, 4)
        k, v = torch.cat([k, ck], 2), torch.cat([v, cv], 2)
        mask = torch.cat([torch.ones(b, h * w, dtype=torch.bool), context_mask], 1)[:, None, None, :]
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return x + attn.proj(out.transpose(-1, -2).reshape(b, c, h, w))

    with torch.no_grad():
        expected = reference(x)
        assert torch.allclose(attn(x, context, context_mask), expected, atol=1e-5)
        x_cl = x.contiguous(memory_format=torch.channels_last)
        assert torch.allclose(attn(x_cl, context, context_mask), expected, atol=1e-5)


def _conv_net(memory_format):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3), torch.nn.Conv2d(16, 8, 1), torch.nn.Flatten(),
                              torch.nn.LazyLinear(4))
    net(torch.zeros(1, 3, 6, 6))
    return net.to(memory_format=memory_format)


def _train(net, opt, steps=3):
    torch.manual_seed(1)
    for _ in range(steps):
        x = torch.randn(5, 3, 6, 6).contiguous(memory_format=torch.channels_last)
        opt.zero_grad()
        net(x).square().mean().backward()
        opt.step()


def test_fused_adamw_on_channels_last_weights_equals_adamw_and_keeps_the_layout():
    reference, net = _conv_net(torch.channels_last), _conv_net(torch.channels_last)
    reference_opt = torch.optim.AdamW(reference.parameters(), lr=1e-2, betas=(0.9, 0.99), fused=True)
    _train(reference, reference_opt)
    opt = FusedAdamW(net.parameters(), lr=1e-2, betas=(0.9, 0.99))
    _train(net, opt)
    for p, q in zip(net.parameters(), reference.parameters()):
        assert torch.equal(p, q)
    weight = net[0].weight
    assert weight.is_contiguous(memory_format=torch.channels_last) and not weight.is_contiguous()
    # A resume: the moments load contiguous and are laid out as the weights again; training goes on the same.
    saved = {k: v for k, v in opt.state_dict().items()}
    saved["state"] = {i: {k: v.contiguous() for k, v in s.items()} for i, s in saved["state"].items()}
    resumed = FusedAdamW(net.parameters(), lr=1e-2, betas=(0.9, 0.99))
    resumed.load_state_dict(saved)
    assert resumed.state[weight]["exp_avg"].stride() == weight.stride()
    _train(net, resumed, steps=1)
    _train(reference, reference_opt, steps=1)
    for p, q in zip(net.parameters(), reference.parameters()):
        assert torch.equal(p, q)
