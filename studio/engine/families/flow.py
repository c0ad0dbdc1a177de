"""Normalizing flow: Glow-style multi-scale coupling flow with exact likelihood.

RealNVP (Dinh et al. 2017, https://arxiv.org/abs/1605.08803) and Glow
(Kingma & Dhariwal 2018, https://arxiv.org/abs/1807.03039).

    uint8 image --dequantize--> x in (0, 1) --logit--> y --flow--> z ~ N(0, I)

The flow is `levels` scales. Each scale squeezes 2x2 pixels into channels,
runs `steps_per_level` steps of [actnorm, invertible 1x1 conv, affine
coupling], and (except the last) factors out half of its channels, whose
Gaussian prior is predicted from the other half and folded into the flow, so
the whole latent is standard normal. Every layer is invertible with a cheap
log-determinant, which gives exact log-likelihoods:

    log p(x) = log N(z; 0, I) + sum of log|det J| of every layer

Dequantization (uniform noise in each 1/256 bin) turns the continuous density
into an upper bound on the bits per dimension of the discrete image.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from studio.engine import latent as latent_space   # a module import: latent.py imports families.base
from studio.engine.families.base import (
    ENCODE, LATENT, LIKELIHOOD, Batch, ConfigError, DataInfo, Family, FamilyConfig, Frame, LatentDirection,
    SampleOption, StepContext, from_uint8_images, register, seeded_normal,
)
from studio.engine.messages import Message


DEFAULT_TEMPERATURE = 1.0


@dataclass(frozen=True)
class FlowConfig(FamilyConfig):
    levels: int = 3              # scales; the image side must be divisible by 2 ** levels
    steps_per_level: int = 4     # actnorm + 1x1 conv + coupling steps per scale
    hidden: int = 64             # width of each coupling network
    logit_alpha: float = 0.05    # RealNVP's logit transform keeps pixels in [alpha, 1 - alpha]
    coupling_scale: str = "tanh"  # tanh: exp(2 tanh(s / 2)), in (0.14, 7.4) | sigmoid: in (0.05, 1) (Glow)

    presets = {
        "tiny": dict(levels=2, steps_per_level=2, hidden=16, coupling_scale="tanh"),
        "small": dict(levels=3, steps_per_level=4, hidden=64, coupling_scale="tanh"),
        "base": dict(levels=3, steps_per_level=8, hidden=128, coupling_scale="tanh"),
    }

    @classmethod
    def from_dict(cls, values):
        """A config saved before `coupling_scale` existed had Glow's sigmoid scale: keep it, so those
        checkpoints sample and resume as they did."""
        if "coupling_scale" not in values:
            values = {**values, "coupling_scale": "sigmoid"}
        return super().from_dict(values)

    def __post_init__(self):
        if not 1 <= self.levels <= 6:
            raise ConfigError("config.between", name="levels", low=1, high=6, value=self.levels)
        if not 1 <= self.steps_per_level <= 64:
            raise ConfigError("config.between", name="steps_per_level", low=1, high=64, value=self.steps_per_level)
        if not 4 <= self.hidden <= 1024:
            raise ConfigError("config.between_example", name="hidden", low=4, high=1024, example=64, value=self.hidden)
        if self.coupling_scale not in ("sigmoid", "tanh"):
            raise ConfigError("flow.bad_coupling_scale", coupling_scale=self.coupling_scale)
        if not 0 <= self.logit_alpha < 0.5:
            raise ConfigError("flow.bad_logit_alpha", logit_alpha=self.logit_alpha)


# -- invertible layers: forward(x) -> (y, logdet per image), inverse(y) -> x -------------------
def squeeze(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, 4C, H/2, W/2): each 2x2 block becomes 4 channels."""
    return F.pixel_unshuffle(x, 2)


def unsqueeze(x: torch.Tensor) -> torch.Tensor:
    return F.pixel_shuffle(x, 2)


class ActNorm(nn.Module):
    """Per-channel affine map, initialised from the first batch to zero mean, unit variance (Glow 3.1)."""

    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.log_scale = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.register_buffer("initialized", torch.zeros(()))   # a buffer, so checkpoints keep it

    @torch.no_grad()
    def _init_from(self, x: torch.Tensor) -> None:
        mean = x.mean(dim=(0, 2, 3), keepdim=True)
        std = x.std(dim=(0, 2, 3), keepdim=True)
        self.bias.copy_(-mean)
        self.log_scale.copy_(-torch.log(std + 1e-6))
        self.initialized.fill_(1.0)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.training and not self.initialized:
            self._init_from(x)
        logdet = self.log_scale.sum() * x.shape[2] * x.shape[3]
        return (x + self.bias) * self.log_scale.exp(), logdet.expand(x.shape[0])

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        return y * torch.exp(-self.log_scale) - self.bias


class InvertibleConv1x1(nn.Module):
    """A learned channel permutation: 1x1 conv with an invertible (c, c) matrix (Glow 3.2)."""

    def __init__(self, channels: int):
        super().__init__()
        q, _ = torch.linalg.qr(torch.randn(channels, channels))   # a random rotation: log|det| = 0
        self.weight = nn.Parameter(q)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.autocast(x.device.type, enabled=False):       # the invertible path stays fp32 under autocast
            w = self.weight.float()
            logdet = torch.linalg.slogdet(w)[1] * x.shape[2] * x.shape[3]
            y = F.conv2d(x.float(), w[:, :, None, None])
        return y, logdet.expand(x.shape[0])

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        with torch.autocast(y.device.type, enabled=False):
            w_inv = torch.linalg.inv(self.weight.double()).float()
            return F.conv2d(y.float(), w_inv[:, :, None, None])


def zero_conv(in_ch: int, out_ch: int) -> nn.Conv2d:
    """A 3x3 conv that starts at zero, so a fresh layer is the identity (Glow 3.3)."""
    conv = nn.Conv2d(in_ch, out_ch, 3, padding=1)
    nn.init.zeros_(conv.weight)
    nn.init.zeros_(conv.bias)
    return conv


class AffineCoupling(nn.Module):
    """The second half of the channels is scaled and shifted by a network of the first half (RealNVP 3.3)."""

    def __init__(self, channels: int, hidden: int, scale: str = "sigmoid"):
        super().__init__()
        half = channels // 2
        self.scale = scale
        self.net = nn.Sequential(
            nn.Conv2d(half, hidden, 3, padding=1), nn.ReLU(),
            nn.Conv2d(hidden, hidden, 1), nn.ReLU(),
            zero_conv(hidden, 2 * (channels - half)),
        )

    def _shift_scale(self, xa: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.net(xa).float()                       # the network may run under autocast
        shift, raw = h[:, 0::2], h[:, 1::2]
        if self.scale == "tanh":
            # log-scale bounded to (-2, 2) and 0 at init (RealNVP's tanh bound): the coupling can
            # expand as well as contract, and one inverse step amplifies at most e^2 = 7.4 times.
            return shift, torch.exp(2.0 * torch.tanh(raw / 2.0))
        # Scale in (0.05, 1), ~0.89 at init (Glow's sigmoid(raw + 2)). The floor bounds what one
        # inverse step can amplify: with scales near 0, a quarter of temperature-1 samples overflowed.
        return shift, 0.05 + 0.95 * torch.sigmoid(raw + 2.0)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        xa, xb = x.chunk(2, dim=1)
        shift, scale = self._shift_scale(xa)
        yb = (xb.float() + shift) * scale
        return torch.cat([xa.float(), yb], dim=1), scale.log().flatten(1).sum(1)

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        ya, yb = y.chunk(2, dim=1)
        shift, scale = self._shift_scale(ya)
        return torch.cat([ya, yb / scale - shift], dim=1)


class FlowStep(nn.Module):
    def __init__(self, channels: int, hidden: int, scale: str = "sigmoid"):
        super().__init__()
        self.layers = nn.ModuleList([ActNorm(channels), InvertibleConv1x1(channels),
                                     AffineCoupling(channels, hidden, scale)])

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logdet = torch.zeros(x.shape[0], device=x.device)
        for layer in self.layers:
            x, ld = layer(x)
            logdet = logdet + ld
        return x, logdet

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        for layer in reversed(self.layers):
            y = layer.inverse(y)
        return y


class SplitPrior(nn.Module):
    """Factor out half the channels; their Gaussian is predicted from the kept half and standardised.

    eps = (z - mean(h)) / exp(log_std(h)) is itself an invertible layer, so the
    factored-out latent is N(0, I) like the rest (Glow's learned split prior).
    """

    def __init__(self, channels: int):
        super().__init__()
        self.conv = zero_conv(channels // 2, 2 * (channels - channels // 2))

    def _mean_log_std(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.conv(h).float()
        return out[:, 0::2], 2.0 * torch.tanh(out[:, 1::2] / 2.0)   # log std bounded to (-2, 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, C, s, s) -> kept (B, C/2, s, s), eps (B, C/2, s, s), logdet (B,)."""
        h, z = x.chunk(2, dim=1)
        mean, log_std = self._mean_log_std(h)
        return h, (z - mean) * torch.exp(-log_std), -log_std.flatten(1).sum(1)

    def inverse(self, h: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        mean, log_std = self._mean_log_std(h)
        return torch.cat([h, mean + eps * log_std.exp()], dim=1)


class Glow(nn.Module):
    """y (B, C, H, W) <-> z (B, C*H*W), standard normal, with log|det dz/dy|."""

    def __init__(self, cfg: FlowConfig, channels: int, image_size: int):
        super().__init__()
        self.steps = nn.ModuleList()
        self.splits = nn.ModuleList()
        self.part_shapes: list[tuple[int, int, int]] = []   # (C, s, s) of each factored-out part, then the top
        c, side = channels, image_size
        for level in range(cfg.levels):
            c, side = 4 * c, side // 2
            self.steps.append(nn.ModuleList([FlowStep(c, cfg.hidden, cfg.coupling_scale) for _ in range(cfg.steps_per_level)]))
            if level < cfg.levels - 1:
                self.splits.append(SplitPrior(c))
                self.part_shapes.append((c - c // 2, side, side))
                c = c // 2
        self.part_shapes.append((c, side, side))

    def forward(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logdet = torch.zeros(y.shape[0], device=y.device)
        parts = []
        h = y
        for level, steps in enumerate(self.steps):
            h = squeeze(h)
            for step in steps:
                h, ld = step(h)
                logdet = logdet + ld
            if level < len(self.splits):
                h, eps, ld = self.splits[level](h)
                parts.append(eps.flatten(1))
                logdet = logdet + ld
        parts.append(h.flatten(1))
        return torch.cat(parts, dim=1), logdet                    # (B, D), (B,)

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        sizes = [c * s * s for c, s, _ in self.part_shapes]
        parts = [p.reshape(-1, *shape) for p, shape in zip(z.float().split(sizes, dim=1), self.part_shapes)]
        h = parts[-1]
        for level in reversed(range(len(self.steps))):
            if level < len(self.splits):
                h = self.splits[level].inverse(h, parts[level])
            for step in reversed(self.steps[level]):
                h = step.inverse(h)
            h = unsqueeze(h)
        return h                                                   # (B, C, H, W)


# -- the family ----------------------------------------------------------------------------------
@register
class Flow(Family):
    name = "flow"
    held_out_key = "bpd"
    order = 30
    title = "Normalizing flow (Glow)"
    summary = "An invertible network maps images to Gaussian noise and back; exact likelihood, exact encoding."
    description = (
        "A stack of invertible layers turns each picture into a point of Gaussian noise of the same size and "
        "back again exactly, so it gives exact likelihoods (bits per pixel) and lossless encodings you can edit. "
        "Samples are less sharp than a GAN's or a diffusion model's for the same training time."
    )
    capabilities = frozenset({LATENT, ENCODE, LIKELIHOOD})
    Config = FlowConfig
    train_defaults = {"lr": 1e-3, "batch_size": 64, "steps": 2000}

    def __init__(self, config: FlowConfig, data: DataInfo):
        super().__init__(config, data)
        if data.image_size % (2 ** config.levels):
            raise ConfigError("flow.size_not_divisible", levels=config.levels, multiple=2 ** config.levels,
                              size=data.image_size)
        self.flow = Glow(config, data.channels, data.image_size)
        self.statistics: latent_space.LatentStatistics | None = None   # fitted to the encoded dataset at checkpoint time

    def modules(self) -> dict[str, nn.Module]:
        return {"flow": self.flow}

    def fit_latent_statistics(self, images: np.ndarray, labels: np.ndarray | None, captions: tuple[str, ...]) -> None:
        """Encode (up to 1024 of) the training images and fit attribute directions named after labels and
        caption words, and principal directions, to their latents (engine/latent.py), as the VAE does."""
        latents, idx = latent_space.encode_dataset(self, images, limit=1024)
        labels = None if labels is None else np.asarray(labels)[idx]
        captions = tuple(captions[i] for i in idx) if captions else ()
        self.statistics = latent_space.LatentStatistics.fit(latents, labels, self.data.label_names, captions)

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.data.channels * self.data.image_size ** 2,)

    # -- pixels <-> logit space --------------------------------------------------------------
    def _dequantize(self, images: torch.Tensor, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """[-1, 1] images of 256 levels + noise in [0, 1) -> (logit-space y, log|dy/dx| per image).

        x = (k + u) / 256 in (0, 1); y = logit(alpha + (1 - 2 alpha) x)  (RealNVP 4.1).
        """
        levels = ((images.float() + 1.0) * 127.5).round()
        x = (levels + noise) / 256.0
        a = self.config.logit_alpha
        p = a + (1 - 2 * a) * x
        y = torch.log(p) - torch.log1p(-p)
        logdet = (math.log(1 - 2 * a) - torch.log(p) - torch.log1p(-p)).flatten(1).sum(1)
        return y, logdet

    def _to_images(self, y: torch.Tensor) -> np.ndarray:
        """Logit space (B, C, H, W) -> (B, H, W, C) uint8: the bin each value falls in."""
        a = self.config.logit_alpha
        x = (torch.sigmoid(y.nan_to_num(0.0)) - a) / (1 - 2 * a)   # a far-out latent saturates, never NaN
        levels = torch.floor(x * 256.0).clamp(0, 255).to(torch.uint8)
        return levels.permute(0, 2, 3, 1).contiguous().cpu().numpy()

    def _bits_per_dim(self, flow: nn.Module, images: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """Per image: -log2 p(x) / D for the discrete image (an upper bound through dequantization)."""
        y, logdet_logit = self._dequantize(images, noise)
        z, logdet_flow = flow(y)
        dims = z.shape[1]
        log_pz = -0.5 * (z.pow(2) + math.log(2 * math.pi)).sum(1)
        log_px = log_pz + logdet_flow + logdet_logit                    # density of x in (0, 1)^D
        return -log_px / (dims * math.log(2)) + 8.0                    # + log2(256): bins of width 1/256

    @staticmethod
    def _fixed_noise(shape: torch.Size, device: torch.device) -> torch.Tensor:
        """Dequantization noise for evaluation: the same on every call, so metrics are deterministic."""
        return torch.rand(shape, generator=torch.Generator().manual_seed(0)).to(device)

    # -- training ----------------------------------------------------------------------------
    def train_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        x = batch.images
        with ctx.autocast():
            bpd = self._bits_per_dim(self.flow, x, torch.rand_like(x, dtype=torch.float32)).mean()
        ctx.optimize("main", bpd)
        return {"bpd": bpd.item()}                                       # .item(): GPU sync

    @torch.inference_mode()
    def validation_losses(self, batch: Batch) -> dict[str, float]:
        """Bits per dimension on held-out images, at fixed dequantization noise."""
        flow = self._eval()
        x = batch.images
        return {"bpd": self._bits_per_dim(flow, x, self._fixed_noise(x.shape, x.device)).mean().item()}

    # -- generation --------------------------------------------------------------------------
    @classmethod
    def sample_options(cls) -> list[SampleOption]:
        # 1.0: better KID than 0.8 on every run measured (five sets, 16 and 32 px); 0.9 beat it only on textures,
        # by a little (benchmarks/RESULTS.md, "Sampling settings measured on trained runs of five sets").
        return [SampleOption("temperature", "float", DEFAULT_TEMPERATURE, 0.0, 1.5,
                             help="Scale of the Gaussian noise: below 1 gives cleaner, less varied images (Glow 5).")]

    def _eval(self) -> nn.Module:
        flow = self.eval_module("flow")
        flow.eval()
        return flow

    @torch.inference_mode()
    def sample(self, n: int, *, seed: int, prompt: str | None = None, temperature: float = DEFAULT_TEMPERATURE,
               **options) -> Iterator[Frame]:
        z = seeded_normal(n, self.latent_shape, seed, self.device) * float(temperature)   # image i from seed + i
        yield Frame(images=self.decode(z.cpu().numpy()), step=1, total=1, label=Message("frame.samples"))

    @torch.inference_mode()
    def encode(self, images: np.ndarray) -> np.ndarray:
        """(N, H, W, C) uint8 -> (N, D) float32, exactly invertible by decode (bin centres, no noise)."""
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[None]
        x = torch.from_numpy(np.ascontiguousarray(images)).to(self.device).permute(0, 3, 1, 2).float()
        y, _ = self._dequantize(x / 127.5 - 1.0, torch.full_like(x, 0.5))
        z, _ = self._eval()(y)
        return z.float().cpu().numpy()

    @torch.inference_mode()
    def decode(self, latents: np.ndarray) -> np.ndarray:
        z = torch.as_tensor(np.asarray(latents, dtype=np.float32), device=self.device).reshape(-1, *self.latent_shape)
        return self._to_images(self._eval().inverse(z))

    @torch.inference_mode()
    def log_likelihood(self, images: np.ndarray) -> np.ndarray:
        """(N, H, W, C) uint8 -> (N,) bits per dimension (float64), at fixed dequantization noise."""
        x = from_uint8_images(np.asarray(images), self.device)
        flow = self._eval()
        out = [self._bits_per_dim(flow, chunk, self._fixed_noise(chunk.shape, chunk.device)) for chunk in x.split(256)]
        return torch.cat(out).double().cpu().numpy() if out else np.zeros(0)

    def latent_directions(self) -> list[LatentDirection]:
        """Attribute directions named after the user's labels and caption words and principal directions
        of the encoded data (once a checkpoint has fitted them), then one direction per channel of the
        coarsest scale, spread evenly over its positions.

        The last part of the latent is the top of the multi-scale flow, where the
        global layout of the picture lives; moving one of its channels changes the
        whole image a little rather than one pixel a lot.
        """
        c, s, _ = self.flow.part_shapes[-1]
        dims = self.latent_shape[0]
        start = dims - c * s * s
        directions = self.statistics.directions() if self.statistics is not None else []
        for channel in range(c):
            vector = np.zeros(dims, dtype=np.float32)
            vector[start + channel * s * s: start + (channel + 1) * s * s] = 1.0 / s
            directions.append(LatentDirection(name=Message("direction.coarse", channel=channel + 1, side=s),
                                              vector=vector, low=-3.0 * s, high=3.0 * s))
        return directions
