"""Building blocks shared by the families: norms, residual blocks, resampling.

Only true primitives live here (used by more than one family). Shapes in
comments: B batch, C channels, H/W spatial.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class GroupNorm(nn.GroupNorm):
    """nn.GroupNorm (same parameters, same checkpoints) that avoids PyTorch's slow CPU kernel for channels_last
    tensors (bf16 under mixed precision on an AVX512-BF16/AMX CPU; fp32 where channels_last is asked for): there
    the norm runs on a contiguous copy and the result goes back to channels_last, many times faster even with the
    two copies (benchmarks/RESULTS.md, "CPU precision and memory layout"; what else was tried: "GroupNorm and
    LayerNorm")."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if (x.device.type == "cpu" and x.dim() == 4 and not x.is_contiguous()
                and x.is_contiguous(memory_format=torch.channels_last)):
            y = F.group_norm(x.contiguous(), self.num_groups, self.weight, self.bias, self.eps)
            return y.contiguous(memory_format=torch.channels_last)
        return super().forward(x)


def group_norm(channels: int) -> GroupNorm:
    """GroupNorm with the largest group count <= 32 that divides `channels`: one channel per group at width 32,
    four at 128. Wider groups trained far worse (benchmarks/RESULTS.md, "GroupNorm and LayerNorm")."""
    groups = math.gcd(32, channels)
    return GroupNorm(groups, channels, eps=1e-6)


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None,
              is_causal: bool = False) -> torch.Tensor:
    """F.scaled_dot_product_attention; on a CPU under bf16 it runs on contiguous fp32 copies, as PyTorch's CPU
    kernel is ~3x slower in bf16 (benchmarks/RESULTS.md, "CPU precision and memory layout"). Autocast is off
    around it (it would cast back to bf16); the result is bf16 again."""
    if q.device.type == "cpu" and q.dtype == torch.bfloat16:
        q, k, v = (t.float().contiguous() for t in (q, k, v))
        with torch.autocast("cpu", enabled=False):
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal)
        return out.to(torch.bfloat16)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal)


class ResBlock(nn.Module):
    """Pre-activation residual block: (GN, SiLU, conv3x3) x2 + skip.

    The second conv is zero-initialised so a fresh block is the identity,
    which keeps deep stacks stable from the first step.
    """

    def __init__(self, in_ch: int, out_ch: int | None = None, dropout: float = 0.0):
        super().__init__()
        out_ch = out_ch or in_ch
        self.norm1 = group_norm(in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.norm2 = group_norm(out_ch)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, H, W)
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return self.skip(x) + h


class Downsample(nn.Module):
    """Halve H and W with a strided 3x3 conv."""

    def __init__(self, in_ch: int, out_ch: int | None = None):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch or in_ch, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Upsample(nn.Module):
    """Double H and W: nearest-neighbour then a 3x3 conv (no checkerboard artefacts)."""

    def __init__(self, in_ch: int, out_ch: int | None = None):
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch or in_ch, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


def level_channels(base: tuple[int, ...], levels: int) -> list[int]:
    """Channel width per resolution level, repeating the last width as needed."""
    return [base[min(i, len(base) - 1)] for i in range(levels)]


# -- diffusion U-Net ----------------------------------------------------------------------
# Ho et al. 2020 (https://arxiv.org/abs/2006.11239) with the improvements of Dhariwal & Nichol 2021
# (https://arxiv.org/abs/2105.05233): scale-shift time conditioning, attention only at low resolution,
# zero-initialised output layers. Text tokens join the keys and values of the attention layers
# (Imagen, https://arxiv.org/abs/2205.11487), one attention call for self- and cross-attention.

def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding of (B,) timesteps -> (B, dim) (Vaswani et al. 2017)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]                                  # (B, half)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)             # (B, dim)


class TimeResBlock(nn.Module):
    """Residual block whose second norm is modulated by the embedding: h * (1 + scale) + shift.

    The second conv starts at zero, so a fresh block is the identity (its skip path).
    """

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int, dropout: float = 0.0):
        super().__init__()
        self.dropout = dropout                  # before the second conv, in training only (DDPM's regulariser)
        self.norm1 = group_norm(in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * out_ch)
        self.norm2 = group_norm(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:  # x (B, C, H, W), emb (B, E) after SiLU
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.emb(emb)[:, :, None, None].chunk(2, dim=1)       # (B, C_out, 1, 1) each
        h = F.silu(torch.addcmul(shift, self.norm2(h), 1 + scale))
        if self.dropout and self.training:
            h = F.dropout(h, self.dropout, training=True)
        return self.skip(x) + self.conv2(h)


class SpatialAttention(nn.Module):
    """Multi-head self-attention over the pixels; with a context, its tokens are extra keys and values.

    The output projection starts at zero so a fresh block is the identity.
    """

    def __init__(self, channels: int, heads: int = 4, context_dim: int | None = None):
        super().__init__()
        if channels % heads:
            raise ValueError(f"attention channels {channels} must be a multiple of heads {heads}")
        self.heads = heads
        self.norm = group_norm(channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.context_kv = nn.Linear(context_dim, 2 * channels) if context_dim else None
        self.proj = nn.Conv2d(channels, channels, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                context_mask: torch.Tensor | None = None) -> torch.Tensor:
        b, c, h, w = x.shape
        d = c // self.heads
        # Pixels as tokens, each head's d channels adjacent in memory (free for a channels_last x): what lets the CPU
        # flash kernel run instead of the math path (benchmarks/RESULTS.md, "Attention on a CPU: the flash kernel").
        qkv = self.qkv(self.norm(x)).permute(0, 2, 3, 1).contiguous().reshape(b, h * w, 3, self.heads, d)  # (B, HW, 3, h, d)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)                                                 # (B, h, HW, d)
        mask = None
        if context is not None and self.context_kv is not None:
            t = context.shape[1]
            ck, cv = self.context_kv(context).reshape(b, t, 2, self.heads, d).permute(2, 0, 3, 1, 4)   # (B, h, T, d)
            k, v = torch.cat([k, ck.to(k.dtype)], dim=2), torch.cat([v, cv.to(v.dtype)], dim=2)
            if context_mask is not None:
                pixels = torch.ones(b, h * w, dtype=torch.bool, device=x.device)
                mask = torch.cat([pixels, context_mask], dim=1)[:, None, None, :]                       # (B, 1, 1, HW+T)
        out = attention(q, k, v, mask)                                        # (B, h, HW, d)
        return x + self.proj(out.transpose(1, 2).reshape(b, h, w, c).permute(0, 3, 1, 2))         # (B, C, H, W)


class UNet(nn.Module):
    """A U-Net that predicts noise (or v) from a noisy image, a timestep and optional text.

    channels:   width per resolution level, full resolution first (each further level halves H and W)
    blocks:     residual blocks per level on the way down (the way up uses as many); fewer at full
                resolution keep the expensive high-resolution convolutions few
    attention:  which levels (0 = full resolution) get self-attention; the middle always has one
    context_dim, pooled_dim: text token and pooled text widths (0: unconditional)
    patch:      >1 folds patch x patch pixels into channels first (pixel unshuffle) and unfolds them at the
                end, so the network runs at 1/patch the resolution: ~patch^2 fewer convolution FLOPs
    dropout:    share of each residual block's features dropped before its second conv, in training only
    One skip connection per level (concatenated once on the way up), not one per block as in
    diffusers' UNet2DModel: half the high-resolution convolutions for the same depth.
    """

    def __init__(self, in_channels: int, channels: tuple[int, ...], blocks: tuple[int, ...],
                 attention: tuple[int, ...], heads: int = 4, context_dim: int = 0, pooled_dim: int = 0,
                 out_channels: int | None = None, patch: int = 1, dropout: float = 0.0):
        super().__init__()
        self.base = channels[0]
        self.patch = patch
        emb_dim = 4 * channels[0]
        self.time_mlp = nn.Sequential(nn.Linear(channels[0], emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.pooled_proj = nn.Linear(pooled_dim, emb_dim) if pooled_dim else None
        ctx = context_dim or None
        self.stem = nn.Conv2d(in_channels * patch * patch, channels[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.down_attn = nn.ModuleList()
        self.downsample = nn.ModuleList()
        prev = channels[0]
        for level, (ch, n) in enumerate(zip(channels, blocks)):
            self.down.append(nn.ModuleList(TimeResBlock(prev if i == 0 else ch, ch, emb_dim, dropout)
                                           for i in range(n)))
            self.down_attn.append(SpatialAttention(ch, heads, ctx) if level in attention else nn.Identity())
            prev = ch if n else prev
            self.downsample.append(Downsample(prev, channels[level + 1]) if level + 1 < len(channels) else nn.Identity())
            prev = channels[level + 1] if level + 1 < len(channels) else prev
        self.mid1 = TimeResBlock(prev, prev, emb_dim, dropout)
        self.mid_attn = SpatialAttention(prev, heads, ctx)
        self.mid2 = TimeResBlock(prev, prev, emb_dim, dropout)
        self.up = nn.ModuleList()
        self.up_attn = nn.ModuleList()
        self.upsample = nn.ModuleList()
        skips = self._skip_widths(channels, blocks)
        for level in reversed(range(len(channels))):
            ch, n = channels[level], max(1, blocks[level])
            self.up.append(nn.ModuleList(TimeResBlock(prev + skips[level] if i == 0 else ch, ch, emb_dim, dropout)
                                         for i in range(n)))
            self.up_attn.append(SpatialAttention(ch, heads, ctx) if level in attention else nn.Identity())
            self.upsample.append(Upsample(ch, channels[level - 1]) if level > 0 else nn.Identity())
            prev = channels[level - 1] if level > 0 else ch
        self.out_norm = group_norm(prev)
        self.out = nn.Conv2d(prev, (out_channels or in_channels) * patch * patch, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    @staticmethod
    def _skip_widths(channels: tuple[int, ...], blocks: tuple[int, ...]) -> list[int]:
        widths, prev = [], channels[0]
        for level, (ch, n) in enumerate(zip(channels, blocks)):
            prev = ch if n else prev
            widths.append(prev)
            prev = channels[level + 1] if level + 1 < len(channels) else prev
        return widths

    def _attend(self, attn: nn.Module, h: torch.Tensor, context, context_mask) -> torch.Tensor:
        return attn(h, context, context_mask) if isinstance(attn, SpatialAttention) else h

    def forward(self, x: torch.Tensor, t: torch.Tensor, context: torch.Tensor | None = None,
                context_mask: torch.Tensor | None = None, pooled: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, C, H, W), t (B,) timesteps, context (B, T, D), context_mask (B, T), pooled (B, P)."""
        emb = self.time_mlp(timestep_embedding(t, self.base).to(x.dtype))   # (B, E)
        if self.pooled_proj is not None and pooled is not None:
            emb = emb + self.pooled_proj(pooled)
        emb = F.silu(emb)
        h = self.stem(F.pixel_unshuffle(x, self.patch) if self.patch > 1 else x)
        skips = []
        for blocks, attn, down in zip(self.down, self.down_attn, self.downsample):
            for block in blocks:
                h = block(h, emb)
            h = self._attend(attn, h, context, context_mask)
            skips.append(h)
            h = down(h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb), context, context_mask), emb)
        for blocks, attn, up in zip(self.up, self.up_attn, self.upsample):
            h = torch.cat([h, skips.pop()], dim=1)
            for block in blocks:
                h = block(h, emb)
            h = up(self._attend(attn, h, context, context_mask))
        h = self.out(F.silu(self.out_norm(h)))
        return F.pixel_shuffle(h, self.patch) if self.patch > 1 else h      # (B, C, H, W)
