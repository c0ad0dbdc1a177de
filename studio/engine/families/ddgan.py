"""Denoising diffusion GAN (Xiao et al. 2022, "Tackling the Generative Learning Trilemma with Denoising Diffusion
GANs", https://arxiv.org/abs/2112.07804): a diffusion of only a few steps whose reverse step is learnt adversarially.

forward:    T = `denoising_steps` (1-8, default 4) noising steps on the paper's discretised VP schedule
            (alpha_bar(s) = exp(-beta_min s - (beta_max - beta_min) s^2 / 2) at s = k/T); so few steps are far too
            large for the Gaussian reverse step a DDPM assumes, hence the GAN.
generator:  G(x_k, z, k) predicts the clean image x0 (the diffusion family's U-Net, engine/nn.py; the noise z through
            a small mapping network joins the time embedding, as the paper's adaptive norms); the reverse step is
            then the posterior q(x_{k-1} | x_k, x0) sampled at that prediction (paper eq. 8).
discriminator: D(x_{k-1}, x_k, k) tells real pairs (x_{k-1} from the data, x_k one noising step on) from generated
            ones: the GAN family's DCGAN discriminator with minibatch-std over the two images stacked as channels,
            the step (and the prompt's words) as projection terms. Non-saturating loss and an R1 penalty on real
            pairs (paper sec. 4), one optimizer each. `augment`: DiffAugment's translation or cutout on the stacked
            pair, the same draw for both images (off by default).
prompts:    captions (or class-folder names) -> the diffusion family's text encoder -> cross-attention and the
            time embedding of G; the words also condition D. Dropped 10% of the time so the empty prompt means
            "anything". No classifier-free guidance: G makes one sample per z, not a score to extrapolate.
sampling:   x_T ~ N(0, I), then T generator calls, one Frame per step with x_{k-1} and the predicted x0.
No likelihood: a GAN's generator gives no density (the paper reports none either).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from studio.engine.families.base import (
    PROGRESSIVE, PROMPT, Batch, ConfigError, DataInfo, Family, FamilyConfig, Frame, StepContext, register,
    to_uint8_images,
)
from studio.engine.families.gan import Discriminator, _policy, diff_augment
from studio.engine.messages import Message
from studio.engine.nn import UNet
from studio.engine.samplers import noise_like
from studio.engine.text import BOS, PAD, TextEncoder, Tokenizer, image_texts, words

MAX_STEPS = 8
PAIR_AUGMENTS = ("translation", "cutout")      # DiffAugment's geometric ones: the same for both images of a pair
CAPTION_DROPOUT = 0.1          # share of training conditions replaced by "" (the empty prompt: "anything")
TIME_SCALE = 1000              # step k of T enters the U-Net's sinusoidal embedding as k/T * TIME_SCALE


@dataclass(frozen=True)
class DDGANConfig(FamilyConfig):
    denoising_steps: int = 4                          # T: the paper's 2-4; sampling takes exactly this many
    channels: tuple[int, ...] = (32, 64, 128)         # generator U-Net width per level, full resolution first
    blocks: tuple[int, ...] = (1, 1, 2)
    attention_max_side: int = 8                       # self/cross-attention at levels this small or smaller
    heads: int = 4
    z_dim: int = 32                                   # the generator's noise z (its mapping network is 4 z_dim wide)
    d_channels: tuple[int, ...] = (32, 64, 128, 256)  # discriminator width per level
    r1_gamma: float = 0.05                            # R1 weight on real pairs: gamma / 2 * |grad D|^2
    beta_min: float = 0.1                             # the VP schedule (paper: 0.1 and 20)
    beta_max: float = 20.0
    d_lr_ratio: float = 1.0                           # discriminator LR = this x the generator's
    augment: str = ""                                 # DiffAugment on the discriminator's pairs: translation, cutout
    text_dim: int = 32
    text_depth: int = 1
    max_prompt_words: int = 15

    presets = {
        "tiny": dict(channels=(16, 32), blocks=(1, 1), heads=2, z_dim=8, d_channels=(8, 16, 32), text_dim=16),
        "small": dict(channels=(32, 64, 128), blocks=(1, 1, 2), d_channels=(32, 64, 128, 256)),
        "base": dict(channels=(64, 128, 256), blocks=(1, 2, 2), z_dim=64, d_channels=(64, 128, 256, 512),
                     text_dim=64, text_depth=2),
    }

    def __post_init__(self):
        if int(self.denoising_steps) != self.denoising_steps or not 1 <= self.denoising_steps <= MAX_STEPS:
            raise ConfigError("ddgan.bad_steps", high=MAX_STEPS, value=self.denoising_steps)
        if not self.channels or any(c < 8 or c % 8 for c in self.channels):
            raise ConfigError("config.multiples", name="channels", factor=8, example="32, 64", value=self.channels)
        if len(self.blocks) != len(self.channels) or any(b < 0 for b in self.blocks):
            raise ConfigError("diffusion.bad_blocks", channels=self.channels)
        if self.heads < 1 or any(c % self.heads for c in self.channels) or self.text_dim % self.heads:
            raise ConfigError("diffusion.bad_heads", heads=self.heads)
        if not self.d_channels or any(c < 4 or c % 4 for c in self.d_channels):
            raise ConfigError("config.multiples", name="d_channels", factor=4, example="32, 64", value=self.d_channels)
        if not 1 <= self.z_dim <= 1024:
            raise ConfigError("config.between", name="z_dim", low=1, high=1024, value=self.z_dim)
        if not 0 <= self.r1_gamma <= 100:
            raise ConfigError("config.between", name="r1_gamma", low=0, high=100, value=self.r1_gamma)
        if not 0 < self.beta_min < self.beta_max <= 100:
            raise ConfigError("ddgan.bad_schedule", beta_min=self.beta_min, beta_max=self.beta_max)
        if not 0 < self.d_lr_ratio <= 100:
            raise ConfigError("config.in_range", name="d_lr_ratio", range="(0, 100]", value=self.d_lr_ratio)
        if unknown := [p for p in _policy(self.augment) if p not in PAIR_AUGMENTS]:
            raise ConfigError("config.bad_augment", choices=", ".join(PAIR_AUGMENTS), value=", ".join(unknown))
        if self.text_dim < 8 or self.text_depth < 1 or self.max_prompt_words < 1:
            raise ConfigError("diffusion.bad_text_encoder")


def alphas_cumprod(steps: int, beta_min: float, beta_max: float) -> torch.Tensor:
    """(steps + 1,) float64 alpha_bar at k = 0 (the data, exactly 1) .. steps, on the VP SDE's schedule at s = k/steps
    (the paper's `get_sigma_schedule`, without its 1e-3 offset at k = 0)."""
    s = torch.arange(steps + 1, dtype=torch.float64) / steps
    return torch.exp(-beta_min * s - 0.5 * (beta_max - beta_min) * s ** 2)


class Generator(nn.Module):
    """x_k, z, k (and text) -> the predicted clean image x0: a U-Net whose time embedding also carries z."""

    def __init__(self, config: DDGANConfig, data: DataInfo, text_dim: int):
        super().__init__()
        side = data.image_size
        attention = tuple(i for i in range(len(config.channels)) if side >> i <= config.attention_max_side)
        width = 4 * config.z_dim
        self.mapping = nn.Sequential(nn.Linear(config.z_dim, width), nn.SiLU(), nn.Linear(width, width), nn.SiLU())
        self.unet = UNet(data.channels, config.channels, config.blocks, attention, config.heads,
                         context_dim=text_dim, pooled_dim=width + text_dim)

    def forward(self, x: torch.Tensor, z: torch.Tensor, t: torch.Tensor, text=None) -> torch.Tensor:
        """x (B, C, H, W), z (B, z_dim), t (B,) float timesteps, text (tokens, mask, pooled) or None."""
        pooled = self.mapping(z).to(x.dtype)                                  # (B, 4 z_dim)
        if text is None:
            return self.unet(x, t, pooled=pooled)
        tokens, mask, text_pooled = text
        return self.unet(x, t, tokens, mask, torch.cat([pooled, text_pooled.to(pooled.dtype)], dim=1))


@register
class DDGAN(Family):
    name = "ddgan"
    order = 80
    title = "Denoising diffusion GAN"
    summary = "A diffusion of only 2-4 big steps, each learnt by a GAN; samples in a few passes, no likelihood."
    description = (
        "Adds noise to your pictures in only a few big steps (4 by default) and trains a generator to undo each "
        "step, judged by a discriminator instead of a noise-prediction loss, so a sample takes those few passes "
        "instead of diffusion's 20 or more. Trained on captions or class folders it follows prompts (without a "
        "guidance strength). A GAN inside: training can be unstable, and it gives no likelihood (bits/dim)."
    )
    capabilities = frozenset({PROGRESSIVE})          # plus PROMPT on a model trained with captions or class folders
    Config = DDGANConfig
    # Adam with the paper's betas (0.5, 0.9) at a higher LR than its 1.6e-4, for runs of minutes.
    train_defaults = {"lr": 5e-4, "batch_size": 32, "steps": 5000, "warmup_steps": 0, "grad_clip": 10.0,
                      "preview_seconds": 30.0}

    def __init__(self, config: DDGANConfig, data: DataInfo):
        super().__init__(config, data)
        size, levels = data.image_size, len(config.channels)
        if size < 8 or size & (size - 1) or size % 2 ** (levels - 1):
            raise ConfigError("ddgan.bad_image_size", size=size, levels=levels)
        self.conditional = bool(data.vocabulary)
        if self.conditional:
            self.capabilities = frozenset({PROGRESSIVE, PROMPT})
        self.tokenizer = Tokenizer(data.vocabulary)
        self.prompt_length = config.max_prompt_words + 1                          # + BOS
        text_dim = config.text_dim if self.conditional else 0
        self.generator = Generator(config, data, text_dim)
        self.text = (TextEncoder(self.tokenizer.size, config.text_dim, config.text_depth, config.heads,
                                 self.prompt_length) if self.conditional else None)
        steps = config.denoising_steps
        # The pair (x_{k-1}, x_k) stacked as channels; the step k-1 and the words as projection tokens.
        self.discriminator = Discriminator(config.d_channels, DataInfo(size, 2 * data.channels), sn=False,
                                           condition_tokens=steps + (self.tokenizer.size if self.conditional else 0),
                                           minibatch_std=True)
        nn.init.zeros_(self.discriminator.embed.weight)     # N(0, 1) unnormalised: per-step offsets swamping the score
        self.alphas_cumprod = alphas_cumprod(steps, config.beta_min, config.beta_max)   # (T + 1,) on the CPU
        self.policy = _policy(config.augment)

    def modules(self) -> dict[str, nn.Module]:
        mods = {"generator": self.generator, "discriminator": self.discriminator}
        return {**mods, "text": self.text} if self.text is not None else mods

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        """Adam for each player with the paper's betas (0.5, 0.9); the text encoder trains with the generator."""
        g_params = [*self.generator.parameters(), *(self.text.parameters() if self.text is not None else ())]
        return {"generator": torch.optim.Adam(g_params, lr=lr, betas=(0.5, 0.9)),
                "discriminator": torch.optim.Adam(self.discriminator.parameters(), lr=lr * self.config.d_lr_ratio,
                                                  betas=(0.5, 0.9))}

    # -- the schedule ---------------------------------------------------------------------------
    def _coefficients(self, k: torch.Tensor, x: torch.Tensor):
        """alpha_bar at k-1 and k, and beta_k = 1 - ab_k / ab_{k-1}, each (B, 1, 1, 1) on x's device and dtype."""
        ab = self.alphas_cumprod.to(x.device, torch.float32)
        prev, now = ab[k - 1].view(-1, 1, 1, 1), ab[k].view(-1, 1, 1, 1)
        return prev, now, 1 - now / prev

    def noised_pair(self, x0: torch.Tensor, k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(x_{k-1}, x_k) from q: x_{k-1} = sqrt(ab_{k-1}) x0 + sqrt(1 - ab_{k-1}) eps, then one noising step."""
        prev, _, beta = self._coefficients(k, x0)
        x_prev = prev.sqrt() * x0 + (1 - prev).sqrt() * torch.randn_like(x0)
        return x_prev, (1 - beta).sqrt() * x_prev + beta.sqrt() * torch.randn_like(x0)

    def posterior(self, x0: torch.Tensor, x_k: torch.Tensor, k: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """A sample of q(x_{k-1} | x_k, x0) (DDPM, https://arxiv.org/abs/2006.11239, eq. 6-7); at k = 1 it is x0."""
        prev, now, beta = self._coefficients(k, x_k)
        mean = (prev.sqrt() * beta * x0 + (1 - beta).sqrt() * (1 - prev) * x_k) / (1 - now)
        variance = beta * (1 - prev) / (1 - now)
        return mean + variance.sqrt() * noise

    def _time(self, k: torch.Tensor) -> torch.Tensor:
        return k.float() * (TIME_SCALE / self.config.denoising_steps)

    # -- conditions -------------------------------------------------------------------------------
    def _texts(self, batch: Batch) -> list[str]:
        """One text per image: its caption, else its class-folder name, else ""."""
        labels = None if batch.labels is None else batch.labels.tolist()
        return image_texts(batch.captions, labels, self.data.label_names, len(batch))

    def encode_text(self, texts: Sequence[str], text: nn.Module | None = None):
        """(tokens (B, L, D), mask (B, L), pooled (B, D)), or None for an unconditional model."""
        text = text if text is not None else self.text
        if not self.conditional or text is None:
            return None
        ids, _ = self.tokenizer.encode_batch(list(texts), self.prompt_length)
        tokens, pooled, mask = text(ids.to(self.device))
        return tokens, mask, pooled

    def _d_tokens(self, k: torch.Tensor, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """The discriminator's projection bag per image: the step (k - 1) and the words' ids after the steps."""
        steps = self.config.denoising_steps
        lists = []
        for kk, text in zip(k.tolist(), texts):
            ids = [steps + i for i in self.tokenizer.encode(text, len(words(text)) + 1) if i not in (PAD, BOS)] \
                if self.conditional and text else []
            lists.append([kk - 1, *ids])
        offsets = torch.tensor([0, *torch.tensor([len(x) for x in lists[:-1]]).cumsum(0).tolist()], dtype=torch.long)
        flat = torch.tensor([i for x in lists for i in x], dtype=torch.long)
        return flat.to(self.device), offsets.to(self.device)

    def prompt_warnings(self, prompt: str) -> list[Message]:
        if not prompt or not prompt.strip():
            return []
        if not self.conditional:
            return [Message("prompt.ignored_no_captions_or_classes")]
        unknown = self.tokenizer.unknown_words(prompt)
        if unknown:
            return [Message("prompt.unknown_word" if len(unknown) == 1 else "prompt.unknown_words",
                            words=", ".join(repr(w) for w in unknown))]
        return []

    # -- training ---------------------------------------------------------------------------------
    def train_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        x0 = batch.images.float()
        n, steps = len(batch), self.config.denoising_steps
        texts = self._texts(batch)
        if self.conditional:
            drop = (torch.rand(n) < CAPTION_DROPOUT).tolist()
            texts = ["" if d else t for d, t in zip(drop, texts)]
        k = torch.randint(1, steps + 1, (n,), device=x0.device)
        x_prev, x_k = self.noised_pair(x0, k)
        bag = self._d_tokens(k, texts)
        z = torch.randn(n, self.config.z_dim, device=x0.device)
        with ctx.autocast():
            x0_fake = self.generator(x_k, z, self._time(k), self.encode_text(texts)).float()
        fake_prev = self.posterior(x0_fake, x_k, k, torch.randn_like(x_k))

        # The discriminator: softplus(-D(real)) + softplus(D(fake)) + gamma/2 |grad_x D(real)|^2 (R1 on x_{k-1}).
        real_prev = x_prev.detach().requires_grad_(True)
        with ctx.autocast():
            d_real, _ = self.discriminator(self._pair(real_prev, x_k), bag)
            d_fake, _ = self.discriminator(self._pair(fake_prev.detach(), x_k), bag)
        d_real, d_fake = d_real.float(), d_fake.float()
        grad, = torch.autograd.grad(d_real.sum(), real_prev, create_graph=True)
        r1 = grad.float().pow(2).flatten(1).sum(1).mean()
        d_loss = F.softplus(-d_real).mean() + F.softplus(d_fake).mean() + 0.5 * self.config.r1_gamma * r1
        ctx.optimize("discriminator", d_loss)

        # The generator: non-saturating, through the updated discriminator (its own gradients left untouched).
        self.discriminator.requires_grad_(False)
        try:
            with ctx.autocast():
                g_score, _ = self.discriminator(self._pair(fake_prev, x_k), bag)
            g_loss = F.softplus(-g_score.float()).mean()
            ctx.optimize("generator", g_loss)
        finally:
            self.discriminator.requires_grad_(True)
        return {"d_loss": d_loss.item(), "g_loss": g_loss.item(), "r1": r1.item(),         # .item(): GPU sync
                "d_real": d_real.mean().item(), "d_fake": d_fake.mean().item()}

    def _pair(self, x_prev: torch.Tensor, x_k: torch.Tensor) -> torch.Tensor:
        """The discriminator's input: the two images stacked as channels, augmented together (one draw for both)."""
        pair = torch.cat([x_prev, x_k], 1)                                   # (B, 2C, H, W)
        return diff_augment(pair, self.policy) if self.policy else pair

    # -- sampling ---------------------------------------------------------------------------------
    def _eval(self) -> tuple[nn.Module, nn.Module | None]:
        generator = self.eval_module("generator")
        text = self.eval_module("text") if self.text is not None else None
        for module in (generator, text):
            if module is not None:
                module.eval()
        return generator, text

    def sample(self, n: int, *, seed: int, prompt: str | None = None, **options) -> Iterator[Frame]:
        """n images, image i from seed + i; one Frame per denoising step ("x0" extra: the predicted clean images)."""
        if options:
            raise ConfigError("sample.unknown_options", names=", ".join(options), known="none")
        return self.sample_prompts([prompt or ""] * n, seed=seed)

    @torch.inference_mode()
    def sample_prompts(self, prompts: Sequence[str], *, seed: int) -> Iterator[Frame]:
        """Like sample() with one prompt per image: x_T ~ N(0, I), then for k = T .. 1 the generator's x0 and a
        sample of q(x_{k-1} | x_k, x0); exactly T generator calls."""
        generator, text = self._eval()
        n, size, steps = len(prompts), self.data.image_size, self.config.denoising_steps
        generators = [torch.Generator().manual_seed(int(seed) + i) for i in range(n)]   # image i: seed + i
        x = noise_like(torch.empty(n, self.data.channels, size, size, device=self.device), generators)
        cond = self.encode_text(prompts, text)
        for i, k in enumerate(range(steps, 0, -1)):
            kk = torch.full((n,), k, device=self.device, dtype=torch.long)
            z = noise_like(torch.empty(n, self.config.z_dim, device=self.device), generators)
            x0 = generator(x, z, self._time(kk), cond).float()
            noise = noise_like(x, generators) if k > 1 else torch.zeros_like(x)
            x = self.posterior(x0, x, kk, noise)
            yield Frame(images=to_uint8_images(x), step=i + 1, total=steps,
                        label=Message("frame.step", step=i + 1, steps=steps), extras={"x0": to_uint8_images(x0)})

    def preview(self, batch: Batch, *, seed: int = 0, n: int = 16) -> Iterator[Frame]:
        """The same noise every time, prompted with the preview images' captions, so the user watches it improve."""
        texts = self._texts(batch) or [""]
        return self.sample_prompts([texts[i % len(texts)] for i in range(n)], seed=seed)

