"""Latent diffusion (Rombach et al. 2022, Stable Diffusion, https://arxiv.org/abs/2112.10752) with prompts.

Stage 1, the autoencoder: the VQ-VAE's convolutional encoder and decoder (vqvae.py, built from engine/nn.py's
         blocks) shrink each side by `downsample` (4, or 2 or 8) into `latent_channels` channels, with a Gaussian
         posterior q(z|x) and a very small KL weight towards N(0, I) (sec. 3 and appendix G: "KL-reg." with
         weight 1e-6), which keeps the latent space tame without blurring the reconstructions much.
Stage 2, the diffusion model: the autoencoder is frozen and this module's `diffusion`, a Diffusion (diffusion.py)
         built for latent "images" (image_size / downsample a side, latent_channels deep), learns the latents:
         its U-Net, text encoder, caption dropout, training loss, schedule, samplers and classifier-free guidance
         are the pixel family's own. Latents are multiplied by 1 / their standard deviation, measured on the
         first stage-2 batch and kept in the checkpoint (SD's scale factor, appendix G "scale_by_std").
Sampling: the latent is denoised as pixel diffusion denoises images; every step is decoded, so the live view
         shows the decoded current latent, the decoded predicted clean latent ("x0") and the latent itself.
Both stages run in one training run, as the VQ-VAE's: `training_stage` and a `stage` entry in the losses say which.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from types import SimpleNamespace
from typing import Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from studio.engine.families.base import (
    ENCODE, PROGRESSIVE, PROMPT, Batch, ConfigError, DataInfo, Family, FamilyConfig, Frame, SampleOption,
    StepContext, from_uint8_images, register, seeded_normal, to_uint8_images,
)
from studio.engine.families.diffusion import (
    DEFAULT_SAMPLER, Diffusion, DiffusionConfig, _check_options, guidance_interval,
)
from studio.engine.families.vqvae import Decoder, Encoder
from studio.engine.messages import Message
from studio.engine.samplers import make_scheduler, noise_like

DOWNSAMPLES = (2, 4, 8)
# Latent diffusion guides every step by default: guidance in pixel diffusion's interval drew a worse KID on digits
# and faces (benchmarks/RESULTS.md, "Guidance in an interval"); the options are there to set.
LDM_GUIDANCE_INTERVAL = {"guidance_start": 0.0, "guidance_end": 1.0}
PIXEL_OPTIONS = ("steps", "sampler", "guidance", "guidance_rescale", "guidance_start", "guidance_end", "eta",
                 "negative")                     # the sampling options taken from pixel diffusion


@dataclass(frozen=True)
class LDMConfig(FamilyConfig):
    # stage 1, the autoencoder
    downsample: int = 4                          # the latent is image_size / downsample a side: 2, 4 or 8
    latent_channels: int = 4
    channels: tuple[int, ...] = (16, 32, 64, 128)  # autoencoder width per level, full resolution first
    blocks: int = 1                              # residual blocks per level
    kl_weight: float = 1e-6                      # KL towards N(0, I) per latent value, against the summed squared error
    autoencoder_batch: int = 32                  # stage 1 learns from the first this many images of each batch
    autoencoder_lr_ratio: float = 0.25           # its learning rate: the run's lr times this (AdamW, not Muon)
    autoencoder_steps: int = 2000                # stage 1 ends at this step at the latest ...
    autoencoder_share: float = 0.3               # ... or once this share of the run (steps or minutes) is done
    # stage 2, the diffusion model over the latents (diffusion.py's settings of the same names)
    unet_channels: tuple[int, ...] = (64, 128, 192)
    unet_blocks: tuple[int, ...] = (1, 2, 2)
    attention_max_side: int = 8
    heads: int = 4
    text_dim: int = 64
    text_depth: int = 2
    timestep_sampling: str = "logit-normal"
    optimizer: str = "muon"

    presets = {
        "tiny": dict(downsample=2, channels=(16, 16), blocks=0, autoencoder_batch=16, autoencoder_steps=200,
                     unet_channels=(16, 32), unet_blocks=(1, 1), heads=2, text_dim=32, text_depth=1),
        "small": dict(downsample=4, channels=(16, 32, 64, 128), blocks=1, unet_channels=(64, 128, 192),
                      unet_blocks=(1, 2, 2), text_dim=64, text_depth=2),
        "base": dict(downsample=4, channels=(32, 64, 128, 128), blocks=2, autoencoder_batch=64,
                     autoencoder_steps=4000, unet_channels=(128, 256, 384), unet_blocks=(2, 2, 2), text_dim=128,
                     text_depth=3),
    }

    def __post_init__(self):
        if self.downsample not in DOWNSAMPLES:
            raise ConfigError("ldm.bad_downsample", value=self.downsample)
        if not 1 <= self.latent_channels <= 64:
            raise ConfigError("config.between", name="latent_channels", low=1, high=64, value=self.latent_channels)
        if not self.channels or any(c < 4 or c % 4 for c in self.channels):
            raise ConfigError("config.multiples", name="channels", factor=4, example="32, 64", value=self.channels)
        if not self.unet_channels or any(c < 8 or c % 8 for c in self.unet_channels):
            raise ConfigError("config.multiples", name="unet_channels", factor=8, example="64, 128",
                              value=self.unet_channels)
        if self.blocks < 0 or self.kl_weight < 0 or self.autoencoder_steps < 0 or self.autoencoder_batch < 1:
            raise ConfigError("ldm.negative_autoencoder_settings")
        if not 0 <= self.autoencoder_share <= 1:
            raise ConfigError("ldm.bad_autoencoder_share", value=self.autoencoder_share)
        if not 0 < self.autoencoder_lr_ratio <= 10:
            raise ConfigError("config.between", name="autoencoder_lr_ratio", low=0, high=10,
                              value=self.autoencoder_lr_ratio)
        self.diffusion_config()       # the U-Net's settings are checked as the pixel family's

    def diffusion_config(self) -> DiffusionConfig:
        """The stage-2 model's settings: these fields, diffusion.py's defaults for the rest; no noisy classifier
        where diffusion.py has one (this family samples with classifier-free guidance only)."""
        off = {"classifier": False} if "classifier" in {f.name for f in fields(DiffusionConfig)} else {}
        return DiffusionConfig(channels=self.unet_channels, blocks=self.unet_blocks,
                               attention_max_side=self.attention_max_side, heads=self.heads, text_dim=self.text_dim,
                               text_depth=self.text_depth, timestep_sampling=self.timestep_sampling,
                               optimizer=self.optimizer, **off)


class Autoencoder(nn.Module):
    """The VQ-VAE's encoder and decoder without the codebook: the encoder's 2 * latent_channels outputs are the
    mean and log-variance of a diagonal Gaussian posterior."""

    def __init__(self, cfg: LDMConfig, channels: int):
        super().__init__()
        halvings = cfg.downsample.bit_length() - 1
        shape = dict(channels=cfg.channels, blocks=cfg.blocks, downsample=halvings)
        self.encoder = Encoder(SimpleNamespace(**shape, code_dim=2 * cfg.latent_channels), channels)
        self.decoder = Decoder(SimpleNamespace(**shape, code_dim=cfg.latent_channels), channels)

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, C, H, W) -> mean, log-variance, each (B, latent_channels, h, w), float32."""
        mean, logvar = self.encoder(x).float().chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)


@register
class LatentDiffusion(Family):
    name = "ldm"
    order = 42
    title = "Latent diffusion"
    summary = "An autoencoder shrinks the images first, then a diffusion model learns in its small latent space."
    description = (
        "Stable Diffusion in miniature. First an autoencoder learns to squeeze each picture into a small grid of "
        "numbers (4 or 8 times smaller a side) and paint it back; then a diffusion model learns to remove noise "
        "in that small grid, with your captions or class folders as prompts. Much cheaper than pixel diffusion "
        "for larger images; fine detail is only as good as the autoencoder. Trains in two stages in one run."
    )
    capabilities = frozenset({ENCODE, PROMPT, PROGRESSIVE})
    Config = LDMConfig
    # The pixel family's (lr for its Muon; the autoencoder takes autoencoder_lr_ratio of it).
    train_defaults = dict(Diffusion.train_defaults)

    def __init__(self, config: LDMConfig, data: DataInfo):
        super().__init__(config, data)
        f, levels = config.downsample, len(config.unet_channels)
        multiple = f * 2 ** (levels - 1)
        if data.image_size % multiple:
            example = max(multiple, round(data.image_size / multiple) * multiple)
            raise ConfigError("ldm.size_not_divisible", size=data.image_size, downsample=f, multiple=multiple,
                              levels=levels, example=example)
        self.side = data.image_size // f
        self.autoencoder = Autoencoder(config, data.channels)
        latent_data = DataInfo(self.side, config.latent_channels, label_names=data.label_names,
                               has_captions=data.has_captions, vocabulary=data.vocabulary)
        self.diffusion = Diffusion(config.diffusion_config(), latent_data)
        self.latent_scale = torch.tensor(1.0)           # 1 / std of the latents, measured when stage 2 starts
        self.diffusion_start = torch.tensor(-1)        # the step stage 2 began at (-1: not yet)
        self._frozen = False

    def modules(self) -> dict[str, nn.Module]:
        return {"autoencoder": self.autoencoder, **self.diffusion.modules()}

    def to(self, device, memory_format=None):
        super().to(device, memory_format)
        self.diffusion.device = self.device
        return self

    def use_ema(self, ema_modules: dict[str, nn.Module] | None) -> None:
        super().use_ema(ema_modules)
        self.diffusion.use_ema({k: v for k, v in ema_modules.items() if k != "autoencoder"} if ema_modules else None)

    def extra_state(self) -> dict[str, torch.Tensor]:
        return {"latent_scale": self.latent_scale, "diffusion_start": self.diffusion_start}

    def load_extra_state(self, tensors) -> None:
        if "latent_scale" in tensors:
            self.latent_scale = tensors["latent_scale"].cpu().float().clone()
        if "diffusion_start" in tensors:
            self.diffusion_start = tensors["diffusion_start"].cpu().long().clone()

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.config.latent_channels, self.side, self.side)

    @property
    def started(self) -> bool:
        """Whether stage 2 has begun (the latent scale is measured)."""
        return int(self.diffusion_start) >= 0

    def _in_diffusion(self, step: int) -> bool:
        start = int(self.diffusion_start)
        return step >= (start if start >= 0 else self.config.autoencoder_steps)

    def training_stage(self, step: int) -> str:
        return "diffusion (2/2)" if self._in_diffusion(step) else "autoencoder (1/2)"

    def held_out_objective(self, step: int) -> str | None:
        return "latent_loss" if self._in_diffusion(step) else "recon_mse"

    def prompt_warnings(self, prompt: str) -> list[Message]:
        notes = [] if self.started else [Message("prompt.untrained_ldm")]
        return notes + self.diffusion.prompt_warnings(prompt)

    # -- training --------------------------------------------------------------------------
    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        """Stage 1's autoencoder has its own AdamW; stage 2 trains with the pixel family's optimizer, named "main"
        as there, so the Diffusion's own train_step drives it."""
        return {"autoencoder": torch.optim.AdamW(self.autoencoder.parameters(), lr=lr * self.config.autoencoder_lr_ratio,
                                                 betas=(0.9, 0.99), weight_decay=0.0),
                **self.diffusion.optimizers(lr)}

    def train_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        """Stage 1 until `autoencoder_steps` or `autoencoder_share` of the run, whichever comes first, then
        stage 2; the step it switched at and the latent scale measured then are kept for an exact resume."""
        if not self.started:
            share_done = getattr(ctx, "fraction", 0.0) >= self.config.autoencoder_share
            if ctx.step < self.config.autoencoder_steps and not share_done:
                return self._autoencoder_step(batch, ctx)
            self._freeze_autoencoder()
            with torch.no_grad():
                z = self._latents(batch.images, self.autoencoder)
            self.latent_scale = 1.0 / z.float().std().clamp(min=1e-6).cpu()
            self.diffusion_start = torch.tensor(ctx.step)
        if not self._frozen:
            self._freeze_autoencoder()
        with torch.no_grad(), ctx.autocast():
            z = self._latents(batch.images, self.autoencoder)
        latents = (z.float() * self.latent_scale.to(z.device)).to(z.dtype)
        out = self.diffusion.train_step(Batch(latents, batch.labels, batch.captions), ctx)
        return {"loss": out["loss"], "latent_loss": out["loss"], "stage": 2.0}

    def _latents(self, x: torch.Tensor, autoencoder: Autoencoder, sample: bool = True) -> torch.Tensor:
        """Unscaled latents of images: a draw from the posterior (as SD trains on), or its mean."""
        mean, logvar = autoencoder.posterior(x)
        return mean + torch.randn_like(mean) * (0.5 * logvar).exp() if sample else mean

    def _autoencoder_losses(self, x: torch.Tensor, mean, logvar, recon) -> dict[str, torch.Tensor]:
        """Per image: summed squared error + kl_weight * summed KL, divided by the image's values (SD's sums)."""
        dims = x[0].numel()
        sq = (recon.float() - x.float()).pow(2).flatten(1).sum(1)                          # (B,)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar).flatten(1).sum(1)          # (B,) nats
        loss = (sq + self.config.kl_weight * kl).mean() / dims
        return {"loss": loss, "recon_mse": sq.mean() / dims, "kl": kl.mean()}

    def _autoencoder_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        x = batch.images[: self.config.autoencoder_batch]
        with ctx.autocast():
            mean, logvar = self.autoencoder.posterior(x)
            z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()           # reparameterisation
            recon = self.autoencoder.decoder(z)
        out = self._autoencoder_losses(x, mean, logvar, recon)
        ctx.optimize("autoencoder", out["loss"])
        return {"loss": out["loss"].item(), "recon_mse": out["recon_mse"].item(), "kl": out["kl"].item(),  # GPU sync
                "stage": 1.0}

    def _freeze_autoencoder(self) -> None:
        """From stage 2 on the autoencoder stays as it is; its sampling (EMA) copy becomes exactly it, so the
        diffusion model learns the very latents that sampling decodes."""
        self.autoencoder.requires_grad_(False)
        if self._ema and "autoencoder" in self._ema:
            self._ema["autoencoder"].load_state_dict(self.autoencoder.state_dict())
        self._frozen = True

    def _autoencoder(self) -> Autoencoder:
        autoencoder = self.eval_module("autoencoder")
        autoencoder.eval()
        return autoencoder

    @torch.inference_mode()
    def validation_losses(self, batch: Batch) -> dict[str, float]:
        """The autoencoder's losses at the posterior mean; once stage 2 has begun, also the diffusion model's loss
        on the scaled latents at fixed timesteps and noise (diffusion.py's validation loss)."""
        autoencoder = self._autoencoder()
        mean, logvar = autoencoder.posterior(batch.images)
        out = self._autoencoder_losses(batch.images, mean, logvar, autoencoder.decoder(mean))
        losses = {"recon_mse": out["recon_mse"].item(), "kl": out["kl"].item()}
        if self.started:
            latents = mean * self.latent_scale.to(mean.device)
            inner = self.diffusion.validation_losses(Batch(latents, batch.labels, batch.captions))
            losses["latent_loss"] = inner["loss"]
        return losses

    # -- sampling ----------------------------------------------------------------------------
    @classmethod
    def sample_options(cls) -> list[SampleOption]:
        return [*(replace(o, default=LDM_GUIDANCE_INTERVAL[o.name], drawn_before=()) if o.name in LDM_GUIDANCE_INTERVAL
                  else o for o in Diffusion.sample_options() if o.name in PIXEL_OPTIONS),
                SampleOption("show_steps", "bool", True,
                             help="Decode every denoising step to watch it; off: only the final images (faster).")]

    def sample(self, n: int, *, seed: int, prompt: str | None = None, steps: int = 20, sampler: str = DEFAULT_SAMPLER,
               guidance: float = 3.0, guidance_rescale: float = 0.0, guidance_start: float = 0.0,
               guidance_end: float = 1.0, eta: float = 0.0, negative: str = "", show_steps: bool = True,
               **options) -> Iterator[Frame]:
        """n images, image i from seed + i; one Frame per step, its images the decoded current latent ("x0": the
        decoded predicted clean latent, "latent": the latent's first channels as colours)."""
        if options:
            raise ConfigError("sample.unknown_options", names=", ".join(options),
                              known=", ".join(o.name for o in self.sample_options()))
        return self.sample_prompts([prompt or ""] * n, seed=seed, steps=steps, sampler=sampler, guidance=guidance,
                                   guidance_rescale=guidance_rescale, guidance_start=guidance_start,
                                   guidance_end=guidance_end, eta=eta, negative=negative, show_steps=show_steps)

    @torch.inference_mode()
    def sample_prompts(self, prompts: Sequence[str], *, seed: int, steps: int = 20, sampler: str = DEFAULT_SAMPLER,
                       guidance: float = 3.0, guidance_rescale: float = 0.0, guidance_start: float = 0.0,
                       guidance_end: float = 1.0, eta: float = 0.0, negative: str = "",
                       show_steps: bool = True) -> Iterator[Frame]:
        """Like sample() with one prompt per image. The loop is Diffusion.sample_prompts' with a decode in it: the
        pixel family yields its images only as uint8, and a latent must be decoded from its floats."""
        steps, guidance = _check_options(steps, sampler, guidance, guidance_rescale, eta)
        guided_at = guidance_interval(guidance_start, guidance_end, len(self.diffusion.alphas_cumprod))
        if not isinstance(show_steps, (bool, np.bool_)):
            raise ConfigError("config.one_of", name="show_steps", choices="true, false", value=show_steps)
        diffusion, n = self.diffusion, len(prompts)
        unet, text = diffusion._eval()
        scheduler = make_scheduler(sampler, diffusion.alphas_cumprod, diffusion.config.prediction, eta)
        scheduler.set_timesteps(steps)
        generators = [torch.Generator().manual_seed(int(seed) + i) for i in range(n)]   # image i: seed + i
        x = noise_like(torch.empty(n, *self.latent_shape, device=self.device), generators)
        cond = uncond = None
        if diffusion.conditional:
            cond = diffusion.encode_text(prompts, text) if guidance != 0 else None
            uncond = diffusion.encode_text([negative or ""] * n, text) if guidance != 1 or cond is None else None
            if cond is not None and uncond is not None and all(p == (negative or "") for p in prompts):
                uncond = None           # prompt == negative: guidance changes nothing, one pass is enough
        for i, t in enumerate(scheduler.timesteps.tolist()):
            tt = torch.full((n,), t, device=self.device, dtype=torch.long)
            unguided = cond is not None and not guided_at(t)      # outside the interval: conditional only
            output = diffusion.guided_prediction(unet, x, tt, cond, None if unguided else uncond, guidance,
                                                 guidance_rescale)
            result = scheduler.step(output, t, x, generator=generators)
            x = result.prev_sample
            if show_steps or i == steps - 1:
                yield Frame(images=self._decode(x), step=i + 1, total=steps,
                            label=Message("frame.step", step=i + 1, steps=steps),
                            extras={"x0": self._decode(result.pred_original_sample), "latent": self._picture(x)})

    def _decode(self, latents: torch.Tensor) -> np.ndarray:
        """Scaled latents (B, c, h, w) -> (B, H, W, C) uint8 images."""
        decoder = self._autoencoder().decoder
        return to_uint8_images(decoder(latents.float() / self.latent_scale.to(latents.device)))

    def _picture(self, latents: torch.Tensor) -> np.ndarray:
        """The latent itself at image size: its first three channels as red, green and blue (one as grey), each
        unit of the scaled latent a third of the range, so pure noise fills it."""
        shown = latents[:, :3].float() if latents.shape[1] >= 3 else latents[:, :1].float()
        shown = F.interpolate(shown / 3, size=self.data.image_size, mode="nearest")
        if self.data.channels == 1 and shown.shape[1] == 3:
            shown = shown.mean(1, keepdim=True)
        elif self.data.channels == 3 and shown.shape[1] == 1:
            shown = shown.expand(-1, 3, -1, -1)
        return to_uint8_images(shown)

    @torch.inference_mode()
    def preview(self, batch: Batch, *, seed: int = 0, n: int = 16) -> Iterator[Frame]:
        """Stage 1: reconstructions of real images, and random latents (Gaussian noise at the spread of the
        encoded images) decoded, which is all there is to sample before the diffusion model has learnt the
        latents. Stage 2: a 10-step sample (guidance 3) of 8 images prompted with the preview images' captions,
        as pixel diffusion's preview."""
        if not self.started:
            autoencoder = self._autoencoder()
            x = batch.images[:8]
            mean = autoencoder.posterior(x)[0]
            noise = seeded_normal(min(n, 8), self.latent_shape, seed, self.device) * mean.std()
            yield Frame(images=to_uint8_images(autoencoder.decoder(noise)), step=1, total=1,
                        label=Message("frame.reconstructions_and_random_latents"),
                        extras={"input": to_uint8_images(x), "reconstruction": to_uint8_images(autoencoder.decoder(mean))})
            return
        texts = self.diffusion.captions(batch) or [""]
        yield from self.sample_prompts([texts[i % len(texts)] for i in range(min(n, 8))], seed=seed, steps=10,
                                       guidance=3.0)

    # -- the autoencoder's latent -----------------------------------------------------------------
    @torch.inference_mode()
    def encode(self, images: np.ndarray) -> np.ndarray:
        """(N, latent_channels, h, w) float32: the posterior means, scaled as the diffusion model sees them."""
        autoencoder = self._autoencoder()
        mean, _ = autoencoder.posterior(from_uint8_images(images, self.device))
        return (mean * self.latent_scale.to(mean.device)).cpu().numpy()

    @torch.inference_mode()
    def decode(self, latents: np.ndarray) -> np.ndarray:
        z = torch.as_tensor(np.asarray(latents, dtype=np.float32), device=self.device).reshape(-1, *self.latent_shape)
        return self._decode(z)

