"""VAE-GAN: a VAE whose decoder also learns to fool a discriminator
(Larsen et al. 2016, https://arxiv.org/abs/1512.09300).

The encoder, decoder, objective and latent space are the VAE's (families/vae.py).
A pixel loss alone makes the decoder paint the average of what a latent could
mean, which is blurry; here the decoder's loss also has
- an adversarial term: the discriminator (spectral-norm DCGAN-style, from
  families/gan.py, hinge loss, DiffAugment) scores reconstructions and samples
  from the prior, and the decoder is pushed towards what it calls real;
- feature matching (Salimans et al. 2016, https://arxiv.org/abs/1606.03498 and
  Larsen et al.): the discriminator's inner features of a reconstruction should
  match those of its original, a loss on what the image looks like rather than
  on exact pixels.
Their weight against the VAE loss is set each step from the gradients at the
decoder's last layer (the adaptive weight of VQGAN, Esser et al. 2021,
https://arxiv.org/abs/2012.09841, eq. 7), so neither term drowns the other as
the VAE's learned noise scale shrinks.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from studio.engine.families.base import Batch, ConfigError, DataInfo, StepContext, register
from studio.engine.families.gan import AUGMENTS, Discriminator, _policy, d_hinge, diff_augment
from studio.engine.families.vae import VAE, VAEConfig
from studio.engine.nn import level_channels

DISCRIMINATORS = ("patch", "global")
LIKELIHOODS = ("gaussian", "laplace")
LEGACY = {"discriminator": "global", "likelihood": "gaussian", "adv_warmup_steps": 0,   # what older runs were
          "prior_samples": True}


@dataclass(frozen=True)
class VAEGANConfig(VAEConfig):
    d_channels: tuple[int, ...] = (16, 32, 64, 128)   # discriminator width per level, full resolution first
    adv_weight: float = 0.5                           # multiplies the adaptive weight of the adversarial terms
    fm_weight: float = 1.0                            # feature matching, relative to the adversarial loss
    adv_start_steps: int = 30                         # plain VAE training before the adversarial terms join
    adv_warmup_steps: int = 50                        # then their weight ramps up linearly over this many steps
    augment: str = ""                                 # DiffAugment policy for the discriminator, "" for none
    prior_samples: bool = False                       # the discriminator also judges decoded N(0, I) samples (Larsen)
    discriminator: str = "patch"                      # patch (a score per patch, PatchGAN) | global (one per image)
    likelihood: str = "gaussian"                      # decoder's pixel likelihood: gaussian (L2, the VAE's) | laplace (L1)

    presets = {
        "tiny": dict(VAEConfig.presets["tiny"], d_channels=(16, 32, 64), discriminator="patch"),
        "small": dict(VAEConfig.presets["small"], d_channels=(16, 32, 64, 128), discriminator="patch"),
        "base": dict(VAEConfig.presets["base"], d_channels=(32, 64, 128, 256), discriminator="patch"),
    }

    @classmethod
    def from_dict(cls, values):
        """A config saved before `discriminator` existed describes the model of then (one score per
        image, Gaussian pixel likelihood, no warm-up), so its checkpoints still load and resume alike."""
        if "discriminator" not in values:
            values = {**LEGACY, **values}
        return super().from_dict(values)

    def __post_init__(self):
        super().__post_init__()
        if not self.d_channels or any(c < 4 or c % 4 for c in self.d_channels):
            raise ConfigError("config.multiples", name="d_channels", factor=4, example="32, 64", value=self.d_channels)
        if min(self.adv_weight, self.fm_weight, self.adv_start_steps, self.adv_warmup_steps) < 0:
            raise ConfigError("vaegan.negative_adversarial_settings")
        if self.discriminator not in DISCRIMINATORS:
            raise ConfigError("config.one_of", name="discriminator", choices=", ".join(DISCRIMINATORS),
                              value=self.discriminator)
        if self.likelihood not in LIKELIHOODS:
            raise ConfigError("config.one_of", name="likelihood", choices=", ".join(LIKELIHOODS), value=self.likelihood)
        unknown = [p for p in _policy(self.augment) if p not in AUGMENTS]
        if unknown:
            raise ConfigError("config.bad_augment", choices=", ".join(AUGMENTS), value=", ".join(unknown))


class PatchDiscriminator(nn.Module):
    """Image -> a score for each overlapping patch (pix2pix's PatchGAN, Isola et al. 2017,
    https://arxiv.org/abs/1611.07004, as VQGAN uses it), with spectral norm on every layer.

    Each score sees only a neighbourhood (about 22 px at 32 px), so blur anywhere in the picture is
    penalised where it is, instead of averaging out in one score for the whole image.
    """

    def __init__(self, channels: tuple[int, ...], data: DataInfo):
        super().__init__()
        if data.image_size < 8 or data.image_size & (data.image_size - 1):
            raise ConfigError("vaegan.bad_patch_image_size", size=data.image_size)
        downs = min(3, max(1, int(math.log2(data.image_size)) - 3))   # 8 px -> 1 (4x4 patches), 32 px -> 2 (8x8)
        widths = [data.channels, *level_channels(channels, downs + 1)]
        convs = [nn.Conv2d(widths[i], widths[i + 1], 4, stride=2, padding=1) for i in range(downs)]
        convs.append(nn.Conv2d(widths[downs], widths[downs + 1], 3, padding=1))
        self.convs = nn.ModuleList(spectral_norm(c) for c in convs)
        self.head = spectral_norm(nn.Conv2d(widths[-1], 1, 3, padding=1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        features = []
        h = x                                                            # (B, C, H, W)
        for conv in self.convs:
            h = F.leaky_relu(conv(h), 0.2)
            features.append(h)
        return self.head(h).flatten(1), features                        # (B, patches), features per layer


def adaptive_weight(rec_loss: torch.Tensor, adv_loss: torch.Tensor, last_layer: torch.Tensor) -> torch.Tensor:
    """||grad rec|| / ||grad adv|| at the decoder's last layer (VQGAN eq. 7), a constant for backward."""
    rec_grad, = torch.autograd.grad(rec_loss, last_layer, retain_graph=True)
    adv_grad, = torch.autograd.grad(adv_loss, last_layer, retain_graph=True)
    return (rec_grad.norm() / (adv_grad.norm() + 1e-4)).clamp(0.0, 1e4).detach()


def feature_matching(fake_features: list[torch.Tensor], real_features: list[torch.Tensor]) -> torch.Tensor:
    """Mean L1 distance between the discriminator's features of paired images, averaged over layers."""
    terms = [(f.float() - r.float().detach()).abs().mean() for f, r in zip(fake_features, real_features)]
    return torch.stack(terms).mean()


@register
class VAEGAN(VAE):
    name = "vaegan"
    order = 70
    title = "VAE-GAN"
    summary = "A VAE whose decoder is also trained against a discriminator; VAE latents with sharper images."
    description = (
        "A variational autoencoder (smooth latent space, every image can be encoded) whose decoder also "
        "plays the GAN game: a discriminator judges its pictures, which makes them sharper than a plain "
        "VAE's. Trains a little slower than a VAE and can inherit some GAN instability."
    )
    Config = VAEGANConfig
    train_defaults = {"lr": 2e-3, "batch_size": 64, "steps": 3000, "grad_clip": 10.0}   # the VAE's LR

    def __init__(self, config: VAEGANConfig, data: DataInfo):
        super().__init__(config, data)
        self.discriminator = (PatchDiscriminator(config.d_channels, data) if config.discriminator == "patch"
                              else Discriminator(config.d_channels, data, sn=True))
        self.policy = _policy(config.augment)

    def modules(self) -> dict[str, nn.Module]:
        return {"encoder": self.encoder, "decoder": self.decoder, "discriminator": self.discriminator}

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        """The VAE's optimizer for the autoencoder ("main"), so the two learn alike until the adversarial
        terms join; Adam with VQGAN's betas (0.5, 0.9) for the discriminator."""
        vae_params = [*self.encoder.parameters(), *self.decoder.parameters()]
        return {"main": torch.optim.AdamW(vae_params, lr=lr, betas=(0.9, 0.99), weight_decay=0.0),
                "discriminator": torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.5, 0.9))}

    def _augment(self, x: torch.Tensor) -> torch.Tensor:
        return diff_augment(x, self.policy) if self.policy else x

    def _losses(self, x: torch.Tensor, mean, logvar, recon, beta: float) -> dict[str, torch.Tensor]:
        """The VAE's objective; with likelihood=laplace the decoder's noise is Laplace with a learned
        scale b (an L1 pixel loss: its optimum is the median of what a latent could mean, not
        the mean), -log p(x|z) = sum |x - recon| / b + log(2b).

        Gaussian (the VAE's own) is the default: with the adversarial terms on top, L1 gave wrong
        colours (a green circle came back purple-red on demo:shapes), dimmed strokes on demo:digits
        and edges softer than the plain VAE's at equal CPU time; measured with benchmarks/vae_vs_vaegan.py
        (docs/vae-vs-vaegan-*.png)."""
        out = super()._losses(x, mean, logvar, recon, beta)
        if self.config.likelihood == "gaussian":
            return out
        dims = x[0].numel()
        log_b = self.decoder.log_sigma.float().clamp(min=math.log(1e-3))
        l1 = (recon.float() - x.float()).abs().flatten(1).sum(1)                     # (B,)
        nll = l1 * torch.exp(-log_b) + dims * (log_b + math.log(2.0))
        kl_batch = out["kl_dims"]
        kl_term = kl_batch.clamp(min=self.config.free_bits).sum() if self.config.free_bits else kl_batch.sum()
        return {**out, "loss": (nll.mean() + beta * kl_term) / dims}

    def _adversarial_ramp(self, step: int) -> float:
        """0 before adv_start_steps, then up to 1 linearly over adv_warmup_steps."""
        if step < self.config.adv_start_steps or self.config.adv_weight <= 0:
            return 0.0
        warm = self.config.adv_warmup_steps
        return min(1.0, (step - self.config.adv_start_steps + 1) / warm) if warm else 1.0

    def _adversarial(self, x: torch.Tensor, recon: torch.Tensor, prior: torch.Tensor | None) -> dict[str, torch.Tensor]:
        """The decoder's adversarial and feature-matching losses (the discriminator is frozen here).

        Without augmentation one pass over the reconstructions gives both their scores and features."""
        self.discriminator.requires_grad_(False)
        try:
            fakes = recon if prior is None else torch.cat([recon, prior])
            if self.policy:
                score, _ = self.discriminator(self._augment(fakes))                  # (B or 2B, patches)
                _, recon_features = self.discriminator(recon)
            else:
                score, features = self.discriminator(fakes)
                recon_features = [f[: len(recon)] for f in features]
            with torch.no_grad():
                _, real_features = self.discriminator(x)
        finally:
            self.discriminator.requires_grad_(True)
        g_adv = -score.float().mean()
        fm = feature_matching(recon_features, real_features)
        return {"g_adv": g_adv, "fm": fm, "adv": g_adv + self.config.fm_weight * fm}

    def train_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        x = batch.images
        beta = self._beta(ctx.step)
        ramp = self._adversarial_ramp(ctx.step)
        adversarial = ramp > 0
        with ctx.autocast():
            mean, logvar = self.encoder(x)
            z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()   # reparameterisation
            recon = self.decoder(z)                                     # (B, C, H, W)
            prior = self.decoder(torch.randn_like(mean)) if adversarial and self.config.prior_samples else None
            out = self._losses(x, mean, logvar, recon, beta)
            total, weight = out["loss"], torch.zeros(())
            if adversarial:
                adv = self._adversarial(x, recon, prior)
                weight = ramp * self.config.adv_weight * adaptive_weight(out["loss"], adv["adv"], self.decoder.body[-1].weight)
                total = total + weight * adv["adv"]
        if ctx.optimize("main", total):
            self.kl_per_dim.lerp_(out["kl_dims"].detach(), 0.01)
        fake = recon if prior is None else torch.cat([recon, prior])
        d_out = self._discriminator_step(x, fake.detach(), ctx)
        result = {"loss": out["loss"].item(), "recon_mse": out["recon_mse"].item(),   # .item(): GPU sync
                  "kl": out["kl"].item(), "beta": beta, "adv_weight": float(weight), **d_out}
        if adversarial:
            result.update(g_adv=adv["g_adv"].item(), fm=adv["fm"].item())
        return result

    def _discriminator_step(self, x: torch.Tensor, fake: torch.Tensor, ctx: StepContext) -> dict[str, float]:
        with ctx.autocast():
            d_real, _ = self.discriminator(self._augment(x))
            d_fake, _ = self.discriminator(self._augment(fake))
        d_loss = d_hinge(d_real.float(), d_fake.float())
        ctx.optimize("discriminator", d_loss)
        return {"d_loss": d_loss.item(), "d_real": d_real.float().mean().item(), "d_fake": d_fake.float().mean().item()}
