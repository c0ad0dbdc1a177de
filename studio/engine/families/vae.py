"""Variational autoencoder (Kingma & Welling 2014, https://arxiv.org/abs/1312.6114).

encoder: image -> mean and log-variance of a Gaussian q(z|x)
decoder: z -> image, with a learned global noise scale sigma ("calibrated
         decoder", Rybkin et al. 2021, https://arxiv.org/abs/2006.13202), so the
         balance between reconstruction and KL sets itself instead of being a
         magic weight.
loss per image: -log p(x|z) + beta_t * KL(q(z|x) || N(0, I)), divided by the
number of pixel values; beta_t ramps from 0 to beta over `kl_warmup_steps`
and `free_bits` (nats per latent dimension) keeps dimensions from collapsing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch
from torch import nn

from studio.engine.families.base import (
    ENCODE, LATENT, Batch, ConfigError, DataInfo, Family, FamilyConfig, Frame,
    LatentDirection, SampleOption, StepContext, from_uint8_images, register, seeded_normal, to_uint8_images,
)
from studio.engine import latent as latent_space   # a module import: latent.py imports families.base
from studio.engine.messages import Message
from studio.engine.nn import Downsample, ResBlock, Upsample, group_norm, level_channels


@dataclass(frozen=True)
class VAEConfig(FamilyConfig):
    latent_dim: int = 32
    channels: tuple[int, ...] = (16, 32, 64, 128)  # width per resolution level, full resolution first
    blocks: int = 1                             # residual blocks per level
    beta: float = 1.0                           # weight of the KL term (beta-VAE when > 1)
    kl_warmup_steps: int = 500                  # beta ramps up from 0 over this many steps
    free_bits: float = 0.0                      # minimum KL per latent dimension, in nats

    presets = {
        "tiny": dict(latent_dim=16, channels=(16, 32, 64), blocks=0),
        "small": dict(latent_dim=32, channels=(16, 32, 64, 128), blocks=1),
        "base": dict(latent_dim=64, channels=(32, 64, 128, 256), blocks=2),
    }

    def __post_init__(self):
        if not 1 <= self.latent_dim <= 4096:
            raise ConfigError("config.between", name="latent_dim", low=1, high=4096, value=self.latent_dim)
        if not self.channels or any(c < 4 or c % 4 for c in self.channels):
            raise ConfigError("config.multiples", name="channels", factor=4, example="32, 64", value=self.channels)
        if self.blocks < 0:
            raise ConfigError("vae.negative_blocks")
        if self.beta < 0 or self.free_bits < 0 or self.kl_warmup_steps < 0:
            raise ConfigError("vae.negative_kl_settings")


def _levels(image_size: int) -> int:
    """Downsamplings from image_size to a 4x4 (or smaller) bottleneck."""
    if image_size < 4 or image_size & (image_size - 1):
        raise ConfigError("vae.bad_image_size", size=image_size)
    return max(0, int(math.log2(image_size // 4)))


class Encoder(nn.Module):
    def __init__(self, cfg: VAEConfig, data: DataInfo):
        super().__init__()
        levels = _levels(data.image_size)
        widths = level_channels(cfg.channels, levels + 1)
        layers: list[nn.Module] = [nn.Conv2d(data.channels, widths[0], 3, padding=1)]
        for i in range(levels):
            layers += [ResBlock(widths[i]) for _ in range(cfg.blocks)]
            layers.append(Downsample(widths[i], widths[i + 1]))
        layers += [ResBlock(widths[-1]), group_norm(widths[-1]), nn.SiLU()]
        self.body = nn.Sequential(*layers)
        side = data.image_size >> levels
        self.head = nn.Linear(widths[-1] * side * side, 2 * cfg.latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x).flatten(1)            # (B, C*s*s)
        mean, logvar = self.head(h).float().chunk(2, dim=1)  # (B, D) each
        return mean, logvar.clamp(-30.0, 20.0)


class Decoder(nn.Module):
    def __init__(self, cfg: VAEConfig, data: DataInfo):
        super().__init__()
        levels = _levels(data.image_size)
        widths = level_channels(cfg.channels, levels + 1)[::-1]
        self.side = data.image_size >> levels
        self.width = widths[0]
        self.head = nn.Linear(cfg.latent_dim, widths[0] * self.side * self.side)
        layers: list[nn.Module] = [ResBlock(widths[0])]
        for i in range(levels):
            layers.append(Upsample(widths[i], widths[i + 1]))
            layers += [ResBlock(widths[i + 1]) for _ in range(cfg.blocks)]
        layers += [group_norm(widths[-1]), nn.SiLU(), nn.Conv2d(widths[-1], data.channels, 3, padding=1)]
        self.body = nn.Sequential(*layers)
        # log of the decoder's noise scale, in units of the [-1, 1] pixel range.
        self.log_sigma = nn.Parameter(torch.zeros(()))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.head(z).view(-1, self.width, self.side, self.side)  # (B, C, s, s)
        return self.body(h)                                           # (B, channels, H, W)


@register
class VAE(Family):
    name = "vae"
    held_out_key = "loss"               # the full-beta loss at the posterior mean
    order = 10
    title = "Variational autoencoder"
    summary = "Encodes each image to a small Gaussian latent and decodes it back; smooth latent space, blurry samples."
    description = (
        "An encoder squeezes each picture into a few numbers (a point in a smooth latent space) and a "
        "decoder paints it back. Good for exploring: every slider in the latent space changes the image "
        "gradually. Samples are blurrier than a GAN's or a diffusion model's."
    )
    capabilities = frozenset({LATENT, ENCODE})
    Config = VAEConfig
    train_defaults = {"lr": 2e-3, "batch_size": 64, "steps": 2000}

    def __init__(self, config: VAEConfig, data: DataInfo):
        super().__init__(config, data)
        self.encoder = Encoder(config, data)
        self.decoder = Decoder(config, data)
        # Running mean of the KL of each latent dimension: which dimensions carry information.
        self.kl_per_dim = torch.zeros(config.latent_dim)
        self.statistics: latent_space.LatentStatistics | None = None   # fitted to the encoded dataset at checkpoint time

    def modules(self) -> dict[str, nn.Module]:
        return {"encoder": self.encoder, "decoder": self.decoder}

    def to(self, device, memory_format=None):
        super().to(device, memory_format)
        self.kl_per_dim = self.kl_per_dim.to(device)
        return self

    def extra_state(self) -> dict[str, torch.Tensor]:
        return {"kl_per_dim": self.kl_per_dim, **super().extra_state()}

    def load_extra_state(self, tensors) -> None:
        if "kl_per_dim" in tensors:
            self.kl_per_dim = tensors["kl_per_dim"].to(self.device).float().clone()
        super().load_extra_state(tensors)

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.config.latent_dim,)

    # -- the objective ---------------------------------------------------------------
    def _losses(self, x: torch.Tensor, mean, logvar, recon, beta: float) -> dict[str, torch.Tensor]:
        dims = x[0].numel()
        log_sigma = self.decoder.log_sigma.float().clamp(min=math.log(1e-3))
        sq = (recon.float() - x.float()).pow(2).flatten(1).sum(1)                    # (B,)
        nll = 0.5 * sq * torch.exp(-2 * log_sigma) + dims * (log_sigma + 0.5 * math.log(2 * math.pi))
        kl_dims = 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar)                 # (B, D)
        kl_batch = kl_dims.mean(0)                                                   # (D,)
        kl_term = kl_batch.clamp(min=self.config.free_bits).sum() if self.config.free_bits else kl_batch.sum()
        loss = (nll.mean() + beta * kl_term) / dims
        return {"loss": loss, "recon_mse": sq.mean() / dims, "kl": kl_batch.sum(), "kl_dims": kl_batch}

    def _beta(self, step: int) -> float:
        warm = self.config.kl_warmup_steps
        return self.config.beta * (min(1.0, step / warm) if warm else 1.0)

    def train_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        x = batch.images
        beta = self._beta(ctx.step)
        with ctx.autocast():
            mean, logvar = self.encoder(x)
            z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()   # reparameterisation
            recon = self.decoder(z)
        out = self._losses(x, mean, logvar, recon, beta)
        if ctx.optimize("main", out["loss"]):   # a skipped (non-finite) step must not reach the running KL
            self.kl_per_dim.lerp_(out["kl_dims"].detach(), 0.01)
        return {"loss": out["loss"].item(), "recon_mse": out["recon_mse"].item(),  # .item(): GPU sync
                "kl": out["kl"].item(), "beta": beta}

    @torch.inference_mode()
    def validation_losses(self, batch: Batch) -> dict[str, float]:
        """Losses at z = posterior mean (no sampling noise), full beta."""
        encoder, decoder = self._eval()
        mean, logvar = encoder(batch.images)
        out = self._losses(batch.images, mean, logvar, decoder(mean), self.config.beta)
        return {"loss": out["loss"].item(), "recon_mse": out["recon_mse"].item(), "kl": out["kl"].item()}

    # -- generation ------------------------------------------------------------------
    @classmethod
    def sample_options(cls) -> list[SampleOption]:
        return [SampleOption("temperature", "float", 1.0, 0.0, 2.0,
                             help="Scale of the random latent: lower gives more typical, less varied images.")]

    def _eval(self) -> tuple[nn.Module, nn.Module]:
        encoder, decoder = self.eval_module("encoder"), self.eval_module("decoder")
        encoder.eval(), decoder.eval()
        return encoder, decoder

    def _noise(self, n: int, seed: int) -> torch.Tensor:
        return seeded_normal(n, (self.config.latent_dim,), seed, self.device)   # image i from seed + i

    @torch.inference_mode()
    def sample(self, n: int, *, seed: int, prompt: str | None = None, temperature: float = 1.0, **options) -> Iterator[Frame]:
        _, decoder = self._eval()
        images = to_uint8_images(decoder(self._noise(n, seed) * float(temperature)))
        yield Frame(images=images, step=1, total=1, label=Message("frame.samples"))

    @torch.inference_mode()
    def preview(self, batch: Batch, *, seed: int = 0, n: int = 16) -> Iterator[Frame]:
        """Reconstructions of real images beside fresh samples."""
        encoder, decoder = self._eval()
        x = batch.images[:8]
        recon = decoder(encoder(x)[0])
        samples = decoder(self._noise(n, seed))
        yield Frame(images=to_uint8_images(samples), step=1, total=1, label=Message("frame.reconstructions_and_samples"),
                    extras={"input": to_uint8_images(x), "reconstruction": to_uint8_images(recon)})

    @torch.inference_mode()
    def encode(self, images: np.ndarray) -> np.ndarray:
        encoder, _ = self._eval()
        mean, _ = encoder(from_uint8_images(images, self.device))
        return mean.float().cpu().numpy()                              # (N, D)

    @torch.inference_mode()
    def decode(self, latents: np.ndarray) -> np.ndarray:
        _, decoder = self._eval()
        z = torch.as_tensor(np.asarray(latents, dtype=np.float32), device=self.device).reshape(-1, self.config.latent_dim)
        return to_uint8_images(decoder(z))

    def fit_latent_statistics(self, images: np.ndarray, labels: np.ndarray | None, captions: tuple[str, ...]) -> None:
        """Encode the training images and fit attribute and principal directions to them (engine/latent.py)."""
        latents, idx = latent_space.encode_dataset(self, images)
        labels = None if labels is None else np.asarray(labels)[idx]
        captions = tuple(captions[i] for i in idx) if captions else ()
        self.statistics = latent_space.LatentStatistics.fit(latents, labels, self.data.label_names, captions)

    def latent_directions(self) -> list[LatentDirection]:
        """Attribute directions named after the user's labels and caption words, then principal
        directions of the encoded data (both once a checkpoint has fitted them), then one per
        latent dimension, the most informative (highest KL) first."""
        fitted = self.statistics.directions() if self.statistics is not None else []
        order = torch.argsort(self.kl_per_dim.cpu(), descending=True).tolist()
        eye = np.eye(self.config.latent_dim, dtype=np.float32)
        ranges = self.statistics.dimension_ranges if self.statistics is not None else None
        origin = self.statistics.mean if self.statistics is not None else None
        dimensions = [LatentDirection(name=Message("direction.dimension", index=i, kl=self.kl_per_dim[i].item()),
                                      vector=eye[i],
                                      low=float(ranges[i, 0]) if ranges is not None else -3.0,
                                      high=float(ranges[i, 1]) if ranges is not None else 3.0,
                                      kind="dimension", origin=origin, help=Message("direction.dimension_help", index=i))
                      for i in order]
        return fitted + dimensions
