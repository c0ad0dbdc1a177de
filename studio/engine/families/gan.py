"""Generative adversarial network, DCGAN-style (Radford et al. 2016, https://arxiv.org/abs/1511.06434).

generator:      z ~ N(0, I) (plus an optional condition) -> 4x4 features -> transposed
                convolutions doubling the size -> tanh image
discriminator:  image -> strided convolutions -> one score, with spectral norm on every
                layer (Miyato et al. 2018, https://arxiv.org/abs/1802.05957) and, when
                conditioned, a projection term (Miyato & Koyama 2018, https://arxiv.org/abs/1802.05637)
losses:         hinge (default, Lim & Ye 2017, https://arxiv.org/abs/1705.02894) or WGAN-GP
                (Gulrajani et al. 2017, https://arxiv.org/abs/1704.00028)
against collapse: the discriminator also sees the standard deviation across the batch
                (ProGAN's minibatch-std, Karras et al. 2018, https://arxiv.org/abs/1710.10196), so
                a generator that paints one picture for every z is easy to catch
augmentation:   DiffAugment (Zhao et al. 2020, https://arxiv.org/abs/2006.10738): the same
                differentiable colour / translation / cutout on real and generated images
                before the discriminator sees them, so it cannot memorise a small dataset.

The Trainer keeps an EMA of the generator; sampling uses it. Conditioning is on the
class label (prompt = a class name) or on the caption's words (a bag of words; prompt =
any text), with 10% of training conditions dropped so the empty prompt means "anything".
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from studio.engine import latent as latent_space   # a module import: latent.py imports families.base
from studio.engine.families.base import (
    LATENT, PROMPT, Batch, ConfigError, DataInfo, Family, FamilyConfig, Frame, LatentDirection, SampleOption,
    StepContext, register, seeded_normal, to_uint8_images,
)
from studio.engine.messages import Message
from studio.engine.nn import level_channels
from studio.engine.text import BOS, PAD, Tokenizer, words

LOSSES = ("hinge", "wgan-gp")
AUGMENTS = ("color", "translation", "cutout")
CONDITIONS = ("auto", "none", "label", "caption")
CONDITION_DROPOUT = 0.1       # share of training conditions replaced by "none"
WATCH_AFTER_STEPS = 200       # no divergence / collapse warnings before this many steps
SMOOTHING = 0.98              # running means of the watched statistics


@dataclass(frozen=True)
class GANConfig(FamilyConfig):
    z_dim: int = 64
    channels: tuple[int, ...] = (32, 64, 128, 256)   # width per resolution level, full resolution first
    loss: str = "hinge"                              # hinge | wgan-gp
    spectral_norm: bool = True                       # on the discriminator's layers
    gp_weight: float = 10.0                          # gradient penalty weight (wgan-gp)
    augment: str = "color,translation"               # DiffAugment policy, "" for none ("cutout" also offered)
    condition: str = "auto"                          # auto (label, else caption, else none) | none | label | caption
    embed_dim: int = 32                              # size of the condition embedding given to the generator
    minibatch_std: bool = True                       # show the discriminator the batch's spread (against collapse)
    collapse_threshold: float = 0.2                  # warn when sample diversity falls below this share of the data's
    d_lr_ratio: float = 4.0                          # discriminator LR = this x the generator's (TTUR, Heusel et al. 2017)
    beta1: float = 0.0                               # Adam's first-moment decay for both players (SAGAN, BigGAN: 0)

    presets = {
        "tiny": dict(z_dim=16, channels=(8, 16, 32), embed_dim=8),
        "small": dict(z_dim=64, channels=(32, 64, 128, 256)),
        "base": dict(z_dim=128, channels=(64, 128, 256, 512), embed_dim=64),
    }

    def __post_init__(self):
        if not 1 <= self.z_dim <= 1024:
            raise ConfigError("config.between", name="z_dim", low=1, high=1024, value=self.z_dim)
        if not self.channels or any(c < 4 or c % 4 for c in self.channels):
            raise ConfigError("config.multiples", name="channels", factor=4, example="32, 64", value=self.channels)
        if self.loss not in LOSSES:
            raise ConfigError("config.one_of", name="loss", choices=", ".join(LOSSES), value=self.loss)
        if self.gp_weight < 0:
            raise ConfigError("gan.negative_gp_weight")
        unknown = [p for p in _policy(self.augment) if p not in AUGMENTS]
        if unknown:
            raise ConfigError("config.bad_augment", choices=", ".join(AUGMENTS), value=", ".join(unknown))
        if self.condition not in CONDITIONS:
            raise ConfigError("config.one_of", name="condition", choices=", ".join(CONDITIONS), value=self.condition)
        if self.embed_dim < 1:
            raise ConfigError("gan.bad_embed_dim")
        if not 0 < self.d_lr_ratio <= 100:
            raise ConfigError("config.in_range", name="d_lr_ratio", range="(0, 100]", value=self.d_lr_ratio)
        if not 0 <= self.beta1 < 1:
            raise ConfigError("config.in_range", name="beta1", range="[0, 1)", value=self.beta1)
        if not 0 <= self.collapse_threshold < 1:
            raise ConfigError("config.in_range", name="collapse_threshold", range="[0, 1)",
                              value=self.collapse_threshold)


def _policy(augment: str) -> list[str]:
    return [p.strip() for p in augment.split(",") if p.strip()]


def _levels(image_size: int) -> int:
    """Doublings from a 4x4 start to image_size."""
    if image_size < 4 or image_size & (image_size - 1):
        raise ConfigError("gan.bad_image_size", size=image_size)
    return int(math.log2(image_size // 4))


# -- DiffAugment (https://github.com/mit-han-lab/data-efficient-gans, BSD-2) ---------------
def _color(x: torch.Tensor) -> torch.Tensor:                        # (B, C, H, W) in [-1, 1]
    b = x.shape[0]
    x = x + (torch.rand(b, 1, 1, 1, device=x.device) - 0.5)          # brightness
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (torch.rand(b, 1, 1, 1, device=x.device) * 2) + mean   # saturation
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(b, 1, 1, 1, device=x.device) + 0.5) + mean   # contrast


def _translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    b, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, (b, 1, 1), device=x.device)
    dx = torch.randint(-sw, sw + 1, (b, 1, 1), device=x.device)
    gb, gy, gx = torch.meshgrid(torch.arange(b, device=x.device), torch.arange(h, device=x.device),
                                torch.arange(w, device=x.device), indexing="ij")
    gy = (gy + dy + 1).clamp(0, h + 1)
    gx = (gx + dx + 1).clamp(0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1)                # (B, H+2, W+2, C)
    return padded[gb, gy, gx].permute(0, 3, 1, 2).contiguous()         # (B, C, H, W)


def _cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    b, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = torch.randint(0, h + (1 - ch % 2), (b, 1, 1), device=x.device)
    cx = torch.randint(0, w + (1 - cw % 2), (b, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device).view(1, h, 1) - (cy - ch // 2)   # (B, H, 1): row inside the hole?
    xs = torch.arange(w, device=x.device).view(1, 1, w) - (cx - cw // 2)   # (B, 1, W)
    hole = (ys >= 0) & (ys < ch) & (xs >= 0) & (xs < cw)                   # (B, H, W)
    return x * (~hole).unsqueeze(1).to(x.dtype)


def diff_augment(x: torch.Tensor, policy: Sequence[str]) -> torch.Tensor:
    """Apply the named augmentations (a fresh draw per image); differentiable in x."""
    for name in policy:
        x = {"color": _color, "translation": _translation, "cutout": _cutout}[name](x)
    return x


# -- networks ----------------------------------------------------------------------
class Generator(nn.Module):
    """z (and a condition embedding) -> image in [-1, 1]."""

    def __init__(self, cfg: GANConfig, data: DataInfo, condition_tokens: int):
        super().__init__()
        levels = _levels(data.image_size)
        widths = level_channels(cfg.channels, levels + 1)[::-1]       # 4x4 level first
        self.width = widths[0]
        self.embed = nn.EmbeddingBag(condition_tokens, cfg.embed_dim, mode="mean") if condition_tokens else None
        in_dim = cfg.z_dim + (cfg.embed_dim if condition_tokens else 0)
        self.head = nn.Linear(in_dim, widths[0] * 16)
        layers: list[nn.Module] = [nn.BatchNorm2d(widths[0]), nn.ReLU()]
        for i in range(levels):
            layers += [nn.ConvTranspose2d(widths[i], widths[i + 1], 4, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(widths[i + 1]), nn.ReLU()]
        layers += [nn.Conv2d(widths[-1], data.channels, 3, padding=1), nn.Tanh()]
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            z = torch.cat([z, condition], dim=1)                       # (B, z_dim + embed_dim)
        h = self.head(z).view(-1, self.width, 4, 4)                    # (B, C, 4, 4)
        return self.body(h)                                            # (B, channels, H, W)


class Discriminator(nn.Module):
    """Image (and a condition) -> one score per image; also returns its features for feature matching.

    DCGAN's discriminator: 4x4 stride-2 convolutions with leaky ReLU down to 4x4, then a linear score.
    """

    def __init__(self, channels: tuple[int, ...], data: DataInfo, *, sn: bool, condition_tokens: int = 0,
                 minibatch_std: bool = False):
        super().__init__()
        norm = spectral_norm if sn else (lambda layer: layer)
        self.minibatch_std = minibatch_std
        levels = _levels(data.image_size)
        widths = [data.channels, *level_channels(channels, max(levels, 1))]
        stride = 2 if levels else 1                                    # a 4x4 image is not downsampled
        self.convs = nn.ModuleList(
            norm(nn.Conv2d(widths[i], widths[i + 1], 4 if levels else 3, stride=stride, padding=1))
            for i in range(max(levels, 1)))
        self.feature_dim = widths[-1] * 16
        self.head = norm(nn.Linear(self.feature_dim + (16 if minibatch_std else 0), 1))
        self.embed = norm(nn.Embedding(condition_tokens, self.feature_dim)) if condition_tokens else None

    def forward(self, x: torch.Tensor, tokens: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        features = []
        h = x                                                          # (B, C, H, W)
        for conv in self.convs:
            h = F.leaky_relu(conv(h), 0.2)                             # (B, C_i, H/2^i, W/2^i)
            features.append(h)
        h = h.flatten(1)                                               # (B, C*4*4)
        score = self.head(self._with_batch_std(h, features[-1])).squeeze(1)   # (B,)
        if self.embed is not None and tokens is not None:              # projection: <embed(y), h>
            ids, offsets = tokens
            y = F.embedding_bag(ids, self.embed.weight, offsets, mode="mean")   # (B, C*4*4); empty bag -> 0
            score = score + (y * h).sum(1)
        return score, features


    def _with_batch_std(self, h: torch.Tensor, last: torch.Tensor) -> torch.Tensor:
        """h plus the mean (over channels) std across the batch at each of the 4x4 positions."""
        if not self.minibatch_std:
            return h
        spread = last.float().std(dim=0, correction=0).mean(dim=0).flatten().to(h.dtype)   # (16,)
        return torch.cat([h, spread.expand(h.shape[0], -1)], dim=1)                        # (B, C*4*4 + 16)


# -- losses ------------------------------------------------------------------------
def d_hinge(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def gradient_penalty(disc: Discriminator, real, fake, tokens) -> torch.Tensor:
    """E[(||grad D(x_hat)|| - 1)^2] on random interpolates (Gulrajani et al. 2017, eq. 3)."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    score, _ = disc(mixed, tokens)
    grad, = torch.autograd.grad(score.sum(), mixed, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


def diversity(images: torch.Tensor, limit: int = 16) -> torch.Tensor:
    """Mean pairwise distance between up to `limit` images (0 when all are the same)."""
    flat = images[:limit].detach().float().flatten(1)
    return torch.pdist(flat).mean() if len(flat) > 1 else flat.new_zeros(())


@register
class GAN(Family):
    name = "gan"
    order = 20
    title = "Generative adversarial network"
    summary = "A generator learns to fool a discriminator; sharp samples, fast sampling, less stable training."
    description = (
        "Two networks play a game: a generator paints pictures from random numbers and a discriminator "
        "learns to tell them from yours. Samples are sharp and appear instantly, and the random numbers "
        "make a latent space to explore; training can be unstable or collapse to a few kinds of picture, "
        "which the studio watches for and reports."
    )
    capabilities = frozenset({LATENT})   # plus PROMPT on a model conditioned on labels or captions
    Config = GANConfig
    train_defaults = {"lr": 2e-4, "batch_size": 64, "steps": 5000, "warmup_steps": 0, "grad_clip": 10.0}

    def __init__(self, config: GANConfig, data: DataInfo):
        super().__init__(config, data)
        self.condition = self._resolve_condition(config.condition, data)
        self.tokenizer = Tokenizer(data.vocabulary) if self.condition == "caption" else None
        tokens = {"none": 0, "label": len(data.label_names), "caption": self.tokenizer.size if self.tokenizer else 0}
        n_tokens = tokens[self.condition]
        if self.condition != "none":
            self.capabilities = frozenset({LATENT, PROMPT})
        self.generator = Generator(config, data, n_tokens)
        self.discriminator = Discriminator(config.channels, data, sn=config.spectral_norm, condition_tokens=n_tokens,
                                           minibatch_std=config.minibatch_std)
        self.policy = _policy(config.augment)
        self.watch: dict[str, float] = {}    # running means of d_loss, gap and diversity ratio
        self.statistics: latent_space.LatentStatistics | None = None   # attribute directions, fitted at checkpoint time

    @staticmethod
    def _resolve_condition(condition: str, data: DataInfo) -> str:
        if condition == "auto":
            return "label" if data.label_names else "caption" if data.has_captions and data.vocabulary else "none"
        if condition == "label" and not data.label_names:
            raise ConfigError("gan.no_labels_to_condition_on")
        if condition == "caption" and not (data.has_captions and data.vocabulary):
            raise ConfigError("gan.no_captions_to_condition_on")
        return condition

    def modules(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, "discriminator": self.discriminator}

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        """Adam for each player; the discriminator's LR is d_lr_ratio times the generator's (TTUR)."""
        betas = (self.config.beta1, 0.999)
        return {"generator": torch.optim.Adam(self.generator.parameters(), lr=lr, betas=betas),
                "discriminator": torch.optim.Adam(self.discriminator.parameters(), lr=lr * self.config.d_lr_ratio,
                                                  betas=betas)}

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.config.z_dim,)

    @torch.inference_mode()
    def fit_latent_statistics(self, images: np.ndarray, labels: np.ndarray | None, captions: tuple[str, ...],
                              n: int = 1024) -> None:
        """Attribute directions in z named after labels and caption words.

        A GAN has no encoder, so the generator's own samples are labelled instead: n images
        from fixed noise (no condition), each tagged with the labels and caption of its nearest
        training image (8x8 thumbnails, squared distance); the directions are then the mean z
        of the samples with a tag minus that of those without (engine/latent.py)."""
        if not (labels is not None or captions) or not len(images):
            self.statistics = None
            return
        z = seeded_normal(n, (self.config.z_dim,), 0, self.device)
        fake = torch.from_numpy(self._generate(z, [[] for _ in range(n)]))       # (n, H, W, C) uint8
        idx = np.linspace(0, len(images) - 1, min(4096, len(images))).round().astype(int)
        real = torch.from_numpy(np.ascontiguousarray(images[idx]))

        def thumbs(x: torch.Tensor) -> torch.Tensor:                             # (N, H, W, C) -> (N, C*8*8)
            return F.adaptive_avg_pool2d(x.permute(0, 3, 1, 2).float() / 255.0, 8).flatten(1)

        nearest = idx[torch.cdist(thumbs(fake), thumbs(real)).argmin(1).numpy()]  # (n,) dataset indices
        self.statistics = latent_space.LatentStatistics.fit(
            z.cpu().numpy(), None if labels is None else np.asarray(labels)[nearest], self.data.label_names,
            tuple(captions[i] for i in nearest) if captions else ())

    # -- conditions --------------------------------------------------------------------
    def _bags(self, token_lists: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Lists of token ids -> (flat ids, offsets) for EmbeddingBag; an empty list is "no condition"."""
        if self.condition == "none":
            return None
        lengths = [len(t) for t in token_lists]
        offsets = torch.tensor([0, *np.cumsum(lengths)[:-1].tolist()], dtype=torch.long, device=self.device)
        ids = torch.tensor([i for t in token_lists for i in t], dtype=torch.long, device=self.device)
        return ids, offsets

    def _batch_tokens(self, batch: Batch, dropout: float) -> list[list[int]]:
        n = len(batch)
        if self.condition == "label" and batch.labels is not None:
            lists = [[int(y)] for y in batch.labels.tolist()]
        elif self.condition == "caption" and batch.captions is not None:
            lists = [self._caption_tokens(c) for c in batch.captions]
        else:
            lists = [[] for _ in range(n)]
        if dropout:
            keep = (torch.rand(n) >= dropout).tolist()
            lists = [t if k else [] for t, k in zip(lists, keep)]
        return lists

    def _caption_tokens(self, text: str) -> list[int]:
        ids = self.tokenizer.encode(text, length=len(words(text)) + 1)
        return [i for i in ids if i not in (PAD, BOS)]

    def _prompt_tokens(self, prompt: str | None) -> list[int]:
        if not prompt or self.condition == "none":
            return []
        if self.condition == "caption":
            return self._caption_tokens(prompt)
        names = [n.lower() for n in self.data.label_names]
        text = prompt.strip().lower()
        if text in names:
            return [names.index(text)]
        found = [names.index(w) for w in words(prompt) if w in names]
        if not found:
            raise ConfigError("prompt.names_no_class", prompt=prompt, classes=", ".join(names))
        return found

    def prompt_warnings(self, prompt: str) -> list[Message]:
        if not prompt or self.condition == "none":
            return [] if not prompt else [Message("prompt.ignored_unconditional_gan")]
        if self.condition == "caption":
            unknown = self.tokenizer.unknown_words(prompt)
            return [Message("prompt.unseen_words", words=", ".join(unknown))] if unknown else []
        try:
            self._prompt_tokens(prompt)
        except ConfigError as e:
            return [e.message]
        return []

    def _embed(self, generator: Generator, bags) -> torch.Tensor | None:
        if bags is None:
            return None
        return generator.embed(*bags)                                   # (B, embed_dim)

    # -- training ----------------------------------------------------------------------
    def _augment(self, x: torch.Tensor) -> torch.Tensor:
        return diff_augment(x, self.policy) if self.policy else x

    def train_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        real = batch.images
        n = len(batch)
        bags = self._bags(self._batch_tokens(batch, CONDITION_DROPOUT))
        z = torch.randn(n, self.config.z_dim, device=real.device)
        with ctx.autocast():
            fake = self.generator(z, self._embed(self.generator, bags))          # (B, C, H, W)
            d_real, _ = self.discriminator(self._augment(real), bags)
            d_fake, _ = self.discriminator(self._augment(fake.detach()), bags)
        d_real, d_fake = d_real.float(), d_fake.float()
        if self.config.loss == "hinge":
            d_loss = d_hinge(d_real, d_fake)
            gp = None
        else:
            gp = gradient_penalty(self.discriminator, real.float(), fake.detach().float(), bags)
            d_loss = d_fake.mean() - d_real.mean() + self.config.gp_weight * gp
        d_ok = ctx.optimize("discriminator", d_loss)

        self.discriminator.requires_grad_(False)     # the generator's step must not leave gradients in D
        try:
            with ctx.autocast():
                g_score, _ = self.discriminator(self._augment(fake), bags)
            g_loss = -g_score.float().mean()          # the same for hinge (Lim & Ye) and WGAN
            g_ok = ctx.optimize("generator", g_loss)
        finally:
            self.discriminator.requires_grad_(True)
        out = {"d_loss": d_loss.item(), "g_loss": g_loss.item(),                  # .item(): GPU sync
               "d_real": d_real.mean().item(), "d_fake": d_fake.mean().item(),
               "diversity": (diversity(fake) / diversity(real).clamp(min=1e-8)).item()}
        if gp is not None:
            out["gp"] = gp.item()
        if d_ok and g_ok:
            self._watch(out, ctx)
        return out

    def _watch(self, losses: dict[str, float], ctx: StepContext) -> None:
        """Running means of the signs of trouble; warn through the Trainer (which dedupes)."""
        stats = {"d_loss": losses["d_loss"], "gap": losses["d_real"] - losses["d_fake"],
                 "diversity": losses["diversity"]}
        for k, v in stats.items():
            self.watch[k] = v if k not in self.watch else SMOOTHING * self.watch[k] + (1 - SMOOTHING) * v
        if ctx.step < WATCH_AFTER_STEPS:
            return
        if self.watch["diversity"] < self.config.collapse_threshold:
            ctx.warn(Message("gan.mode_collapse"))
        winning = self.watch["d_loss"] < 0.05 if self.config.loss == "hinge" else self.watch["gap"] > 50
        if winning:
            ctx.warn(Message("gan.discriminator_wins"))
        if abs(self.watch["gap"]) > 1e3:
            ctx.warn(Message("gan.diverging"))

    # -- generation ----------------------------------------------------------------------
    @classmethod
    def sample_options(cls) -> list[SampleOption]:
        return [SampleOption("truncation", "float", 1.0, 0.1, 2.0,
                             help="Scale of the random input: lower gives more typical, less varied images.")]

    def _eval_generator(self) -> Generator:
        generator = self.eval_module("generator")
        generator.eval()
        return generator

    @torch.inference_mode()
    def _generate(self, z: torch.Tensor, token_lists: list[list[int]]) -> np.ndarray:
        generator = self._eval_generator()
        return to_uint8_images(generator(z, self._embed(generator, self._bags(token_lists))))

    def sample(self, n: int, *, seed: int, prompt: str | None = None, truncation: float = 1.0,
               **options) -> Iterator[Frame]:
        tokens = self._prompt_tokens(prompt)
        z = seeded_normal(n, (self.config.z_dim,), seed, self.device) * float(truncation)   # image i from seed + i
        yield Frame(images=self._generate(z, [tokens] * n), step=1, total=1, label=Message("frame.samples"))

    def preview(self, batch: Batch, *, seed: int = 0, n: int = 16) -> Iterator[Frame]:
        """The same noise every time (and the preview images' conditions), so the user watches samples improve."""
        z = seeded_normal(n, (self.config.z_dim,), seed, self.device)
        conditions = self._batch_tokens(batch, dropout=0.0)
        token_lists = [conditions[i % len(conditions)] for i in range(n)] if conditions else [[]] * n
        yield Frame(images=self._generate(z, token_lists), step=1, total=1, label=Message("frame.fixed_noise_samples"))

    def decode(self, latents: np.ndarray) -> np.ndarray:
        z = torch.as_tensor(np.asarray(latents, dtype=np.float32), device=self.device).reshape(-1, self.config.z_dim)
        return self._generate(z, [[] for _ in range(len(z))])

    def latent_directions(self) -> list[LatentDirection]:
        """Attribute directions named after labels and caption words (once a checkpoint has fitted
        them, see fit_latent_statistics), then the principal directions of the generator's first layer (GANSpace, Härkönen et al. 2020,
        https://arxiv.org/abs/2004.02546): for a linear layer h = W z the PCA of h over z ~ N(0, I)
        has the right singular vectors of W as its axes, largest variance first."""
        weight = self.eval_module("generator").head.weight.detach().float().cpu()[:, : self.config.z_dim]
        _, s, vh = torch.linalg.svd(weight, full_matrices=False)                  # vh: (z_dim, z_dim)
        fitted = self.statistics.directions() if self.statistics is not None else []
        return [d for d in fitted if d.kind == "attribute"] + [
            LatentDirection(name=Message("direction.spread", index=i + 1, spread=s[i].item()), vector=vh[i].numpy().copy())
            for i in range(len(s))]
