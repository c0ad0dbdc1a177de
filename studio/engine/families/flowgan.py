"""Flow-GAN: a normalizing flow trained by maximum likelihood and, at the same time, as a GAN's generator
(Grover, Dhar & Ermon 2018, https://arxiv.org/abs/1705.08868).

The flow is the flow family's (families/flow.py): the same invertible network, Gaussian prior, dequantization
and exact log-likelihood. Its loss gains an adversarial term on its own samples:

    loss = bits/dim of the training images + adversarial_weight * (-D(flow^-1(z))),   z ~ N(0, I)

where D is a discriminator (the GAN family's, families/gan.py) with its own optimizer. Likelihood alone
spreads the flow's mass over everything the images could be, which shows as noisy, smeared samples; the
adversarial term pulls its samples towards what the discriminator calls real. The paper's finding: samples
look better while the held-out likelihood gets worse. With adversarial_weight 0 this is the plain flow.
Because the generator is still a flow, bits/dim stays computable: the same figure the flow reports.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from studio.engine.families.base import Batch, ConfigError, DataInfo, StepContext, register
from studio.engine.families.flow import Flow, FlowConfig
from studio.engine.families.gan import AUGMENTS, Discriminator, _policy, d_hinge, diff_augment


@dataclass(frozen=True)
class FlowGANConfig(FlowConfig):
    adversarial_weight: float = 0.1               # weight of the adversarial loss against bits/dim; 0: a plain flow
    d_channels: tuple[int, ...] = (32, 64, 128)   # discriminator width per level, full resolution first
    augment: str = "color,translation"            # DiffAugment policy for the discriminator (the GAN's), "" for none

    presets = {
        "tiny": dict(FlowConfig.presets["tiny"], d_channels=(8, 16, 32)),
        "small": dict(FlowConfig.presets["small"], d_channels=(32, 64, 128)),
        "base": dict(FlowConfig.presets["base"], d_channels=(64, 128, 256)),
    }

    def __post_init__(self):
        super().__post_init__()
        if not 0 <= self.adversarial_weight <= 100:
            raise ConfigError("config.in_range", name="adversarial_weight", range="[0, 100]",
                              value=self.adversarial_weight)
        if not self.d_channels or any(c < 4 or c % 4 for c in self.d_channels):
            raise ConfigError("config.multiples", name="d_channels", factor=4, example="32, 64", value=self.d_channels)
        unknown = [p for p in _policy(self.augment) if p not in AUGMENTS]
        if unknown:
            raise ConfigError("config.bad_augment", choices=", ".join(AUGMENTS), value=", ".join(unknown))


@register
class FlowGAN(Flow):
    name = "flowgan"
    order = 75
    title = "Flow-GAN"
    summary = "A normalizing flow also trained against a discriminator; bits/dim as a flow's, sharper samples."
    description = (
        "A normalizing flow (an invertible network between pictures and Gaussian noise) that learns two ways "
        "at once: by likelihood, as a plain flow does, and by fooling a discriminator that judges its "
        "samples, as a GAN's generator does. The adversarial weight sets the balance: samples get sharper, "
        "the likelihood of unseen pictures (bits per pixel, still computed exactly) gets worse. Too strong a "
        "weight lets the discriminator win: samples turn into bright, repeated patterns; then lower it."
    )
    Config = FlowGANConfig

    def __init__(self, config: FlowGANConfig, data: DataInfo):
        super().__init__(config, data)
        if data.image_size < 4 or data.image_size & (data.image_size - 1):
            raise ConfigError("flowgan.bad_image_size", size=data.image_size)
        self.adversarial = config.adversarial_weight > 0
        # Built after the flow, so at weight 0 the flow's weights come from the same random draws as a plain flow's.
        self.discriminator = Discriminator(config.d_channels, data, sn=True) if self.adversarial else None
        self.policy = _policy(config.augment)

    def modules(self) -> dict[str, nn.Module]:
        return {"flow": self.flow, **({"discriminator": self.discriminator} if self.adversarial else {})}

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        """The flow's own optimizer ("main"); with an adversarial weight, Adam with betas (0.5, 0.9) for the
        discriminator (the VAE-GAN's)."""
        out = {"main": torch.optim.AdamW(self.flow.parameters(), lr=lr, betas=(0.9, 0.99), weight_decay=0.0)}
        if self.adversarial:
            out["discriminator"] = torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.5, 0.9))
        return out

    def _images(self, y: torch.Tensor) -> torch.Tensor:
        """Logit space -> [-1, 1] images, differentiably (what the discriminator sees of a sample)."""
        a = self.config.logit_alpha
        x = (torch.sigmoid(y.nan_to_num(0.0)) - a) / (1 - 2 * a)
        return x.clamp(0.0, 1.0) * 2.0 - 1.0

    def _augment(self, x: torch.Tensor) -> torch.Tensor:
        return diff_augment(x, self.policy) if self.policy else x

    def train_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        """The flow's step (its dequantization noise drawn first, as the flow draws it), plus the adversarial
        term on samples of temperature 1 (the model's own distribution, as in the paper), then one
        discriminator step on the same samples."""
        x = batch.images
        with ctx.autocast():
            bpd = self._bits_per_dim(self.flow, x, torch.rand_like(x, dtype=torch.float32)).mean()
        if not self.adversarial:
            ctx.optimize("main", bpd)
            return {"bpd": bpd.item()}
        z = torch.randn(len(x), *self.latent_shape, device=x.device)
        fake = self._images(self.flow.inverse(z))                          # (B, C, H, W), gradients reach the flow
        # Hinge loss on a spectral-norm critic (the GAN family's default): Lipschitz-bounded like the paper's
        # WGAN critic, without the gradient penalty's second backward pass, and stable in a few CPU-minutes.
        self.discriminator.requires_grad_(False)      # the flow's step must not leave gradients in D
        try:
            with ctx.autocast():
                g_score, _ = self.discriminator(self._augment(fake))
        finally:
            self.discriminator.requires_grad_(True)
        g_adv = -g_score.float().mean()
        ctx.optimize("main", bpd + self.config.adversarial_weight * g_adv)
        with ctx.autocast():
            d_real, _ = self.discriminator(self._augment(x))
            d_fake, _ = self.discriminator(self._augment(fake.detach()))
        d_loss = d_hinge(d_real.float(), d_fake.float())
        ctx.optimize("discriminator", d_loss)
        return {"bpd": bpd.item(), "g_adv": g_adv.item(), "d_loss": d_loss.item(),   # .item(): GPU sync
                "d_real": d_real.float().mean().item(), "d_fake": d_fake.float().mean().item()}
