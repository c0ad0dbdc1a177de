"""Image GPT: pixels as a sequence of words, written by a causal transformer in raster order.

Chen et al. 2020, "Generative Pretraining from Pixels" (https://openai.com/blog/image-gpt/):
  palette:     k-means over the training pixels' colours (16-512 of them); every pixel becomes the index of its
               nearest colour, so an image is H*W tokens from a vocabulary of K. On grayscale data the palette is
               over grey levels, and 256 colours keep every level (no loss).
  transformer: GPT over [caption words; pixel tokens], each token predicted from those before it (the same
               sequence as the VQ-VAE's prior, with pixels in place of codes). Captions or label names are
               dropped at random so the model also knows the images without words (classifier-free guidance).
  sampling:    one token at a time; keys and values of earlier positions are kept (a KV cache), so each token
               costs one position of the network. A Frame after every row.

Bits per dimension, exact and comparable with the PixelCNN's:
  The transformer's likelihood is over palette indices, not over the 256 levels of each channel. To make it a
  distribution over 8-bit images, a fixed within-colour model, fitted on the training pixels with the palette,
  spreads each token's probability over the 8-bit values that map to it (its cell):
      p(x) = p(tokens) * prod over pixels of p(x_ij | token_ij)                (the token is a function of x)
      p(x | k) = p(bin | k) * prod over channels of p(x_c mod w | k, c)
  A bin is one grey level, or a w x w x w block of RGB values (w = 4; the pixel -> token table has 64**3
  entries); both factors are smoothed histograms. The sum over all 8-bit x is 1, so
      bpd          = -log2 p(x) / (C H W)       exact; the PixelCNN's `bpd` measures the same thing
      palette_bpd  = -log2 p(tokens) / (C H W)  the palette-quantised image only: lower than `bpd` by the
                                                quantisation's cost, comparable only with models of the same
                                                palette (Image GPT's own figures)
  On grayscale with 256 colours every level is its own token and the two agree.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from studio.engine.families.base import (
    LIKELIHOOD, PROGRESSIVE, PROMPT, Batch, ConfigError, DataInfo, Family, FamilyConfig, Frame, SampleOption,
    StepContext, from_uint8_images, register,
)
from studio.engine.messages import Message
from studio.engine.nn import attention
from studio.engine.text import Tokenizer, image_texts, known_ids
from studio.engine.tokens import seed_uniforms, write_tokens

MAX_PIXELS = 4096      # tokens per image the transformer is built for (64 x 64)
SMOOTHING = 0.5        # pseudo-count of each histogram entry of the within-colour model (Krichevsky-Trofimov)


@dataclass(frozen=True)
class IGPTConfig(FamilyConfig):
    palette_size: int = 256     # K colours learned by k-means (grey levels on grayscale data)
    dim: int = 64               # transformer width
    depth: int = 4              # transformer blocks
    heads: int = 2              # 32-wide heads: CPU attention over ~1k positions ran 1.6x faster than 16-wide
                                # (benchmarks/RESULTS.md, "Image GPT: 5 CPU-minutes on the demo sets")
    text_length: int = 12       # prompt tokens (BOS + words) when the data has captions or labels
    text_dropout: float = 0.1   # share of captions dropped (for classifier-free guidance)

    presets = {
        "tiny": dict(palette_size=32, dim=32, depth=1, heads=2, text_length=8),
        "small": dict(palette_size=256, dim=64, depth=4, heads=2, text_length=12),
        "base": dict(palette_size=512, dim=256, depth=8, heads=4, text_length=16),
    }

    def __post_init__(self):
        if not 16 <= self.palette_size <= 512:
            raise ConfigError("config.between_example", name="palette_size", low=16, high=512, example=256,
                              value=self.palette_size)
        if not 1 <= self.depth <= 48:
            raise ConfigError("config.between", name="depth", low=1, high=48, value=self.depth)
        if self.heads < 1 or self.dim < 8 or self.dim % self.heads:
            raise ConfigError("igpt.bad_width", dim=self.dim, heads=self.heads)
        if not 1 <= self.text_length <= 64:
            raise ConfigError("config.between", name="text_length", low=1, high=64, value=self.text_length)
        if not 0 <= self.text_dropout <= 1:
            raise ConfigError("config.between", name="text_dropout", low=0, high=1, value=self.text_dropout)


# -- the palette ---------------------------------------------------------------------------------
def kmeans(points: torch.Tensor, weights: torch.Tensor, k: int, seed: int = 0, iterations: int = 25) -> torch.Tensor:
    """Weighted k-means (Lloyd) with k-means++ seeding (Arthur & Vassilvitskii 2007): points (M, C), weights (M,)
    -> (k, C) centres. With no more points than k, every point is a centre and the rest repeat the first."""
    if len(points) <= k:
        return torch.cat([points, points[:1].expand(k - len(points), -1)])
    g = torch.Generator().manual_seed(seed)
    centres = points[torch.multinomial(weights, 1, generator=g)]                        # (1, C)
    closest = (points - centres).pow(2).sum(1)                                          # (M,) to the nearest centre
    for _ in range(k - 1):
        chosen = points[torch.multinomial(weights * closest + 1e-12, 1, generator=g)]
        centres = torch.cat([centres, chosen])
        closest = torch.minimum(closest, (points - chosen).pow(2).sum(1))
    for _ in range(iterations):
        assign = nearest(points, centres)
        mass = torch.zeros(k, dtype=weights.dtype).index_add_(0, assign, weights)
        sums = torch.zeros_like(centres).index_add_(0, assign, points * weights[:, None])
        moved = torch.where(mass[:, None] > 0, sums / mass.clamp(min=1e-12)[:, None], centres)   # empty: stays
        if torch.allclose(moved, centres, atol=1e-3):
            break
        centres = moved
    return centres


def merge_points(points: torch.Tensor, weights: torch.Tensor, limit: int = 16384) -> tuple[torch.Tensor, torch.Tensor]:
    """At most `limit` weighted points for k-means: points in one cube of a grid coarser each round (2, 4, 8 ...
    values a side) become their weighted mean, so k-means on photographs' 10^5 distinct colours stays fast."""
    side = 2.0
    while len(points) > limit:
        _, group = torch.unique(torch.div(points, side, rounding_mode="floor"), dim=0, return_inverse=True)
        mass = torch.zeros(int(group.max()) + 1, dtype=weights.dtype).index_add_(0, group, weights)
        points = torch.zeros(len(mass), points.shape[1], dtype=points.dtype).index_add_(
            0, group, points * weights[:, None]) / mass[:, None]
        weights, side = mass, side * 2
    return points, weights


def nearest(points: torch.Tensor, centres: torch.Tensor, chunk: int = 8192) -> torch.Tensor:
    """(M, C), (K, C) -> (M,) index of each point's nearest centre (the first of equals)."""
    c2 = centres.pow(2).sum(1)
    return torch.cat([(c2 - 2 * part @ centres.t()).argmin(1) for part in points.split(chunk)])


class Palette(nn.Module):
    """K colours; for each bin of 8-bit values its token; the within-colour model of the module docstring.

    Buffers only: fitted from the data, saved and loaded, never trained. `fitted`: 0 not yet, 1 spread without
    data (a model used before training), 2 from pixels."""

    def __init__(self, size: int, channels: int):
        super().__init__()
        self.channels = channels
        self.width = 1 if channels == 1 else 4                 # 8-bit values per bin and channel
        self.levels = 256 // self.width                        # bins per channel
        bins = self.levels ** channels
        self.register_buffer("colours", torch.zeros(size, channels))                 # (K, C) in 0..255
        self.register_buffer("token_of_bin", torch.zeros(bins, dtype=torch.long))   # (bins,)
        self.register_buffer("log_bin", torch.zeros(bins))                           # log p(bin | its token)
        self.register_buffer("log_offset", torch.zeros(size, channels, self.width))  # log p(x_c mod w | k, c)
        self.register_buffer("fitted", torch.zeros(()))

    def bins(self, pixels: torch.Tensor) -> torch.Tensor:
        """(..., C) integer values 0..255 -> (...) bin index."""
        index = torch.zeros(pixels.shape[:-1], dtype=torch.long, device=pixels.device)
        for c in range(self.channels):
            index = index * self.levels + pixels[..., c].long() // self.width
        return index

    def _bin_centres(self) -> torch.Tensor:
        grid = torch.arange(self.levels, dtype=torch.float32) * self.width + (self.width - 1) / 2
        axes = torch.meshgrid(*[grid] * self.channels, indexing="ij")
        return torch.stack(axes, -1).reshape(-1, self.channels)                         # (bins, C), bins() order

    @torch.no_grad()
    def fit(self, pixels: torch.Tensor | None, seed: int = 0) -> None:
        """k-means on (P, C) uint8 pixels' bins, weighted by their counts; None: spread colours, no data."""
        centres, k = self._bin_centres(), self.colours.shape[0]
        if pixels is None:
            counts = torch.zeros(len(centres), dtype=torch.float64)
            g = torch.Generator().manual_seed(seed)
            colours = centres[torch.randperm(len(centres), generator=g)[:k]]
            colours = torch.cat([colours, colours[:1].expand(k - len(colours), -1)])
        else:
            pixels = pixels.reshape(-1, self.channels).long().cpu()
            counts = torch.bincount(self.bins(pixels), minlength=len(centres)).double()
            used = counts > 0
            points, weights = merge_points(centres[used].double(), counts[used])
            colours = kmeans(points, weights, k, seed).float()
        token = nearest(centres, colours)                                              # (bins,)
        cell_mass = torch.zeros(k, dtype=torch.float64).index_add_(0, token, counts)
        cell_bins = torch.bincount(token, minlength=k).double()
        log_bin = torch.log(counts + SMOOTHING) - torch.log(cell_mass + SMOOTHING * cell_bins)[token]
        offsets = torch.zeros(k, self.channels, self.width, dtype=torch.float64)
        if pixels is not None:
            tok = token[self.bins(pixels)]                                             # (P,)
            for c in range(self.channels):
                flat = tok * self.width + pixels[:, c] % self.width
                offsets[:, c] = torch.bincount(flat, minlength=k * self.width).double().view(k, self.width)
        log_offset = torch.log(offsets + SMOOTHING) - torch.log(offsets.sum(2, keepdim=True) + SMOOTHING * self.width)
        for name, value in (("colours", colours), ("token_of_bin", token), ("log_bin", log_bin),
                            ("log_offset", log_offset)):
            getattr(self, name).copy_(value)
        self.fitted.fill_(1.0 if pixels is None else 2.0)

    def tokens(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, H, W, C) values 0..255 -> tokens (B, H*W) and log p(x | tokens) per image (B,) in nats."""
        if not self.fitted:
            self.fit(None)
        b = self.bins(pixels).flatten(1)                                               # (B, N)
        tokens = self.token_of_bin[b]
        within = self.log_bin[b].sum(1)
        offsets = (pixels.long() % self.width).flatten(1, 2)                           # (B, N, C)
        for c in range(self.channels):
            within = within + self.log_offset[tokens, c, offsets[..., c]].sum(1)
        return tokens, within

    def images(self, tokens: torch.Tensor, side: int) -> np.ndarray:
        """(B, N) tokens -> (B, side, side, C) uint8 palette colours."""
        if not self.fitted:
            self.fit(None)
        colours = self.colours.round().clamp(0, 255).to(torch.uint8)
        return colours[tokens].view(len(tokens), side, side, self.channels).cpu().numpy()


# -- the transformer ----------------------------------------------------------------------------
class KVCache:
    """Keys and values of every position so far, allocated once: (layers, 2, B, heads, T, head_dim).
    (Growing them by concatenation, as the VQ prior's 64 codes can, would copy O(T^2) for 1024 pixels.)"""

    def __init__(self, layers: int, batch: int, heads: int, length: int, head_dim: int, device):
        self.kv = torch.zeros(layers, 2, batch, heads, length, head_dim, device=device)
        self.length = 0

    def add(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        end = self.length + k.shape[2]
        self.kv[layer, 0, :, :, self.length:end] = k
        self.kv[layer, 1, :, :, self.length:end] = v
        return self.kv[layer, 0, :, :, :end], self.kv[layer, 1, :, :, :end]


class Block(nn.Module):
    """Pre-LayerNorm transformer block with causal self-attention (GPT-2)."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:   # (B, T, D)
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        causal = t > 1                                  # one new position may see every cached one
        if cache is not None:
            k, v = cache.add(layer, k, v)
            k, v = k.to(q.dtype), v.to(q.dtype)
        attn = attention(q, k, v, is_causal=causal)                                     # (B, heads, T, D/heads)
        x = x + self.proj(attn.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.norm2(x))


class PixelGPT(nn.Module):
    """[text tokens (B, T); pixel tokens (B, N)] -> logits (B, N, K) of each pixel token given those before it.

    Positions: learned for the text; a learned row plus a learned column vector for each pixel, so the model
    knows what is above a pixel from the start (2 * side vectors in place of side * side)."""

    def __init__(self, cfg: IGPTConfig, vocab_size: int, text_length: int, side: int):
        super().__init__()
        dim = cfg.dim
        self.side, self.heads = side, cfg.heads
        self.text_embed = nn.Embedding(vocab_size, dim)
        self.text_position = nn.Parameter(torch.randn(text_length, dim) * 0.02)
        self.pixel_embed = nn.Embedding(cfg.palette_size, dim)
        self.row = nn.Parameter(torch.randn(side, 1, dim) * 0.02)
        self.column = nn.Parameter(torch.randn(1, side, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, cfg.heads) for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, cfg.palette_size)
        for name, p in self.named_parameters():          # GPT-2 initialisation: residual outputs scaled by depth
            if name.endswith("weight") and p.dim() == 2:
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * cfg.depth) if name.endswith(("proj.weight", "mlp.2.weight"))
                                else 0.02)
            elif name.endswith("bias") and p.dim() == 1 and "norm" not in name:
                nn.init.zeros_(p)

    def pixel_positions(self) -> torch.Tensor:
        return (self.row + self.column).flatten(0, 1)                                   # (N, D), raster order

    def _run(self, x: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        for i, block in enumerate(self.blocks):
            x = block(x, cache, i)
        if cache is not None:
            cache.length += x.shape[1]
        return self.head(self.norm(x))

    def forward(self, text: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: pixel j's token enters at pixel j's position and predicts pixel j + 1."""
        t = text.shape[1]
        pixels = self.pixel_embed(tokens[:, :-1]) + self.pixel_positions()[: tokens.shape[1] - 1]
        x = torch.cat([self.text_embed(text) + self.text_position[:t], pixels], 1)     # (B, T + N - 1, D)
        return self._run(x)[:, t - 1:]                                                  # (B, N, K)

    def start(self, text: torch.Tensor, cache: KVCache) -> torch.Tensor:
        """Read the prompt into the cache; logits (B, K) of the first pixel."""
        return self._run(self.text_embed(text) + self.text_position[: text.shape[1]], cache)[:, -1]

    def extend(self, tokens: torch.Tensor, index: int, cache: KVCache) -> torch.Tensor:
        """Feed pixel `index`'s token (B,); logits (B, K) of the next pixel."""
        x = self.pixel_embed(tokens)[:, None] + self.pixel_positions()[index]
        return self._run(x, cache)[:, -1]


# -- the family ----------------------------------------------------------------------------------
@register
class ImageGPT(Family):
    name = "igpt"
    held_out_key = "bpd"
    order = 55
    title = "Image GPT (pixels as words)"
    summary = "Turns each pixel into a word from a learned palette and writes the image like text, one pixel at a time."
    description = (
        "Learns a palette of colours from your images, turns every pixel into the index of its nearest colour, "
        "and trains a GPT-style transformer to predict each pixel from all the pixels before it in reading "
        "order, after the caption's words if there are any (Image GPT). Exact likelihoods (bits per pixel); it "
        "sees the whole image so far, not only nearby pixels, but it is slow to train and to sample."
    )
    capabilities = frozenset({PROGRESSIVE, LIKELIHOOD})   # plus PROMPT where the data has captions or labels
    likelihood_kind = "exact"
    convolutional = False
    Config = IGPTConfig
    # Every image gives H*W token terms, so small batches are not too noisy, and short CPU runs are limited by
    # their number of steps (as the PixelCNN's): batch 8 at lr 3e-3 (benchmarks/RESULTS.md, "Image GPT: 5
    # CPU-minutes on the demo sets"). Sampling is token by token, so previews are few and small.
    train_defaults = {"lr": 3e-3, "batch_size": 8, "steps": 2000, "preview_seconds": 60.0}

    def __init__(self, config: IGPTConfig, data: DataInfo):
        super().__init__(config, data)
        if data.channels not in (1, 3):
            raise ConfigError("igpt.bad_channels", channels=data.channels)
        if data.image_size ** 2 > MAX_PIXELS:
            raise ConfigError("igpt.too_many_pixels", size=data.image_size, pixels=data.image_size ** 2,
                              limit=MAX_PIXELS)
        self.side = data.image_size
        self.tokenizer = Tokenizer(data.vocabulary)
        self.text_length = config.text_length if data.vocabulary else 1                # no words: BOS alone
        if data.vocabulary:
            self.capabilities = frozenset({PROGRESSIVE, LIKELIHOOD, PROMPT})
        self.palette = Palette(config.palette_size, data.channels)
        self.net = PixelGPT(config, self.tokenizer.size, self.text_length, self.side)

    def modules(self) -> dict[str, nn.Module]:
        return {"palette": self.palette, "gpt": self.net}

    def fit_data(self, images: np.ndarray) -> None:
        """The palette: k-means over the training images' pixels ((N, H, W, C) uint8), before the first step."""
        self.palette.fit(torch.from_numpy(np.ascontiguousarray(images)))

    # -- text (as the VQ-VAE's prior) ----------------------------------------------------------
    def _texts(self, batch: Batch) -> list[str]:
        labels = None if batch.labels is None else batch.labels.tolist()
        return image_texts(batch.captions, labels, self.data.label_names, len(batch))

    def _text_ids(self, texts: list[str]) -> torch.Tensor:
        """(B, text_length) ids; words the model never saw are left out (prompt_warnings names them)."""
        return known_ids(self.tokenizer, texts, self.text_length).to(self.device)

    def prompt_warnings(self, prompt: str) -> list[Message]:
        unknown = self.tokenizer.unknown_words(prompt or "")
        if unknown and not self.tokenizer.vocabulary:
            return [Message("prompt.ignored_no_captions_or_labels")]
        if unknown:
            return [Message("prompt.unseen_word_ignored" if len(unknown) == 1 else "prompt.unseen_words_ignored",
                            words=", ".join(repr(w) for w in unknown))]
        return []

    # -- likelihood ------------------------------------------------------------------------------
    def _pixels(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) in [-1, 1] -> (B, H, W, C) values 0..255."""
        return ((x.float() + 1) * 127.5).round().clamp(0, 255).long().permute(0, 2, 3, 1)

    def _bits(self, net: nn.Module, palette: Palette, x: torch.Tensor, text: torch.Tensor,
              autocast=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Per image: (bpd, palette_bpd) as the module docstring defines them, and the mean token loss."""
        tokens, within = palette.tokens(self._pixels(x))                               # (B, N), (B,)
        if autocast is None:
            logits = net(text, tokens)
        else:
            with autocast():
                logits = net(text, tokens)                                              # (B, N, K)
        nats = F.cross_entropy(logits.float().transpose(1, 2), tokens, reduction="none").sum(1)   # (B,)
        dims = x[0].numel() * math.log(2)
        return (nats - within) / dims, nats / dims

    # -- training --------------------------------------------------------------------------------
    def train_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        if self.palette.fitted < 2:                 # used without the Trainer's fit_data: fit on this batch
            self.palette.fit(self._pixels(batch.images))
        texts = self._texts(batch)
        dropped = torch.rand(len(texts)) < self.config.text_dropout                   # guidance needs ""
        text = self._text_ids(["" if d else t for t, d in zip(texts, dropped.tolist())])
        bpd, palette_bpd = self._bits(self.net, self.palette, batch.images, text, ctx.autocast)
        ctx.optimize("main", palette_bpd.mean())    # the within-colour bits are fixed: same gradient as bpd
        return {"bpd": bpd.mean().item(), "palette_bpd": palette_bpd.mean().item()}   # .item(): GPU sync

    @torch.inference_mode()
    def validation_losses(self, batch: Batch) -> dict[str, float]:
        """Exact bits per dimension on held-out images (captions kept), and the palette's share of it."""
        palette, net = self._eval()
        bpd, palette_bpd = self._bits(net, palette, batch.images, self._text_ids(self._texts(batch)))
        return {"bpd": bpd.mean().item(), "palette_bpd": palette_bpd.mean().item()}

    @torch.inference_mode()
    def log_likelihood(self, images: np.ndarray) -> np.ndarray:
        """(N, H, W, C) uint8 -> (N,) exact bits per dimension over the 256 levels (float64); no prompt."""
        x = from_uint8_images(np.asarray(images), self.device)
        palette, net = self._eval()
        out = [self._bits(net, palette, chunk, self._text_ids([""] * len(chunk)))[0] for chunk in x.split(32)]
        return torch.cat(out).double().cpu().numpy() if out else np.zeros(0)

    # -- generation ------------------------------------------------------------------------------
    @classmethod
    def sample_options(cls) -> list[SampleOption]:
        return [
            SampleOption("temperature", "float", 1.0, 0.0, 2.0,
                         help="Lower: safer, more typical colours; 0 takes the likeliest."),
            SampleOption("top_k", "int", 0, 0, 512, help="Draw only from the k likeliest colours (0: all)."),
            SampleOption("guidance", "float", 2.0, 1.0, 10.0,
                         help="Classifier-free guidance: how strongly the prompt steers (1: no guidance)."),
        ]

    def _eval(self) -> tuple[Palette, PixelGPT]:
        palette, net = self.eval_module("palette"), self.eval_module("gpt")
        net.eval()
        return palette, net

    def preview(self, batch: Batch, *, seed: int = 0, n: int = 16) -> Iterator[Frame]:
        """Eight images written row by row, without a prompt."""
        return self.sample(min(n, 8), seed=seed, guidance=1.0)

    @torch.inference_mode()
    def sample(self, n: int, *, seed: int, prompt: str | None = None, temperature: float = 1.0, top_k: int = 0,
               guidance: float = 2.0, **options) -> Iterator[Frame]:
        """One Frame per written row ("row 5/32"); pixels not yet written are mid-grey. Image i draws from seed + i."""
        palette, net = self._eval()
        side, tokens = self.side, self.side * self.side
        guided = float(guidance) != 1.0 and bool(self.tokenizer.vocabulary)                     # no words: nothing to steer
        text = self._text_ids([prompt or ""] * n + ([""] * n if guided else []))
        cache = KVCache(len(net.blocks), len(text), self.config.heads, self.text_length + tokens,
                        self.config.dim // self.config.heads, self.device)
        for row, codes in write_tokens(lambda: net.start(text, cache), lambda codes, j: net.extend(codes, j, cache),
                                       uniforms=seed_uniforms(n, tokens, seed, self.device), row_length=side,
                                       temperature=temperature, top_k=top_k, guidance=guidance, guided=guided):
            images = palette.images(codes, side)
            images[:, row:] = 128
            yield Frame(images=images, step=row, total=side, label=Message("frame.row", row=row, rows=side))
