"""VQ-VAE with a text-conditioned autoregressive prior: DALL·E in miniature.

Stage 1, the autoencoder (van den Oord et al. 2017, https://arxiv.org/abs/1711.00937):
  encoder: image -> (code_dim, h, w) vectors, h = w = image_size / 2**downsample
  codebook: each vector -> the nearest of K code vectors; the codes follow exponential
            moving averages of the vectors assigned to them (appendix A.1), and a code
            nobody uses is restarted on a random encoder output (Dhariwal et al. 2020,
            Jukebox, https://arxiv.org/abs/2005.00341)
  decoder: code vectors -> image; gradients pass the quantizer straight through
  loss: ||x - decoder(q)||^2 + commitment * ||encoder(x) - sg(q)||^2
Stage 2, the prior (Ramesh et al. 2021, DALL·E, https://arxiv.org/abs/2102.12092): the
autoencoder is frozen and a small causal transformer learns the codes in raster order
after the caption's words, one sequence [text tokens; image tokens]. Captions (or label
names) are dropped at random so the same model also knows the unconditional
distribution, which classifier-free guidance needs (Ho & Salimans 2022,
https://arxiv.org/abs/2207.12598). Both stages run in one training run; `training_stage`
and a `stage` entry in the losses say which.
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
    ENCODE, PROGRESSIVE, PROMPT, Batch, ConfigError, DataInfo, Family, FamilyConfig, Frame, SampleOption,
    StepContext, from_uint8_images, register, to_uint8_images,
)
from studio.engine.messages import Message
from studio.engine.nn import Downsample, ResBlock, Upsample, attention, group_norm, level_channels
from studio.engine.text import Tokenizer, image_texts, words
from studio.engine.tokens import seed_uniforms, write_tokens

MAX_TOKENS = 1024      # image tokens per picture the prior is built for


@dataclass(frozen=True)
class VQVAEConfig(FamilyConfig):
    channels: tuple[int, ...] = (32, 64, 128)  # width per resolution level, full resolution first
    blocks: int = 1                            # residual blocks per level
    downsample: int = 2                        # halvings: the code grid is image_size / 2**downsample a side
    codebook_size: int = 256                   # K code vectors
    code_dim: int = 32                         # length of each code vector
    commitment: float = 0.25                   # weight pulling encoder outputs to their codes
    codebook_decay: float = 0.99               # EMA decay of the codebook statistics
    dead_code_threshold: float = 1.0           # a code assigned fewer vectors per step (EMA) is restarted
    autoencoder_steps: int = 2000              # stage 1 ends at this step at the latest ...
    autoencoder_share: float = 0.5             # ... or once this share of the run (steps or minutes) is done
    prior_dim: int = 128
    prior_depth: int = 4
    prior_heads: int = 4
    prior_dropout: float = 0.0                 # dropout in the prior's blocks, and AdamW weight decay of its
    prior_weight_decay: float = 0.0            # matrices: off, as 0.1 each cost held-out bits on every set measured
                                               # (benchmarks/RESULTS.md, "VQ-VAE: the prior's regularisation ...")
    text_length: int = 12                      # prompt tokens (BOS + words), longer prompts are cut
    text_dropout: float = 0.1                  # share of captions dropped (for classifier-free guidance)

    presets = {
        "tiny": dict(channels=(16, 32, 32), blocks=0, codebook_size=32, code_dim=8, autoencoder_steps=200,
                     prior_dim=32, prior_depth=1, prior_heads=2, text_length=8),
        "small": dict(channels=(32, 64, 128), blocks=1, codebook_size=256, code_dim=32, autoencoder_steps=2000,
                      prior_dim=128, prior_depth=4, prior_heads=4, text_length=12),
        "base": dict(channels=(64, 128, 256), blocks=2, codebook_size=512, code_dim=64, autoencoder_steps=4000,
                     prior_dim=256, prior_depth=6, prior_heads=8, text_length=16),
    }

    def __post_init__(self):
        if not self.channels or any(c < 4 or c % 4 for c in self.channels):
            raise ConfigError("config.multiples", name="channels", factor=4, example="32, 64", value=self.channels)
        if self.blocks < 0 or not 0 <= self.downsample <= 5:
            raise ConfigError("vqvae.bad_blocks_or_downsample")
        if not 2 <= self.codebook_size <= 65536 or self.code_dim < 1:
            raise ConfigError("vqvae.bad_codebook", codebook_size=self.codebook_size, code_dim=self.code_dim)
        if not 0 < self.codebook_decay < 1 or self.commitment < 0 or self.dead_code_threshold < 0:
            raise ConfigError("vqvae.bad_codebook_training")
        if self.autoencoder_steps < 0:
            raise ConfigError("vqvae.negative_autoencoder_steps")
        if not 0 <= self.autoencoder_share <= 1:
            raise ConfigError("vqvae.bad_autoencoder_share", value=self.autoencoder_share)
        if not 0 <= self.prior_dropout < 1 or self.prior_weight_decay < 0:
            raise ConfigError("vqvae.bad_prior_regularisation", dropout=self.prior_dropout,
                              weight_decay=self.prior_weight_decay)
        if self.prior_dim % self.prior_heads or self.prior_depth < 1:
            raise ConfigError("vqvae.bad_prior", prior_dim=self.prior_dim, prior_heads=self.prior_heads)
        if self.text_length < 1 or not 0 <= self.text_dropout <= 1:
            raise ConfigError("vqvae.bad_text")


# -- the autoencoder ----------------------------------------------------------------------------
class Encoder(nn.Module):
    def __init__(self, cfg: VQVAEConfig, channels: int):
        super().__init__()
        widths = level_channels(cfg.channels, cfg.downsample + 1)
        layers: list[nn.Module] = [nn.Conv2d(channels, widths[0], 3, padding=1)]
        for i in range(cfg.downsample):
            layers += [ResBlock(widths[i]) for _ in range(cfg.blocks)]
            layers.append(Downsample(widths[i], widths[i + 1]))
        layers += [ResBlock(widths[-1]), group_norm(widths[-1]), nn.SiLU(), nn.Conv2d(widths[-1], cfg.code_dim, 1)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:   # (B, C, H, W) -> (B, code_dim, h, w)
        return self.body(x)


class Decoder(nn.Module):
    def __init__(self, cfg: VQVAEConfig, channels: int):
        super().__init__()
        widths = level_channels(cfg.channels, cfg.downsample + 1)[::-1]
        layers: list[nn.Module] = [nn.Conv2d(cfg.code_dim, widths[0], 3, padding=1), ResBlock(widths[0])]
        for i in range(cfg.downsample):
            layers.append(Upsample(widths[i], widths[i + 1]))
            layers += [ResBlock(widths[i + 1]) for _ in range(cfg.blocks)]
        layers += [group_norm(widths[-1]), nn.SiLU(), nn.Conv2d(widths[-1], channels, 3, padding=1)]
        self.body = nn.Sequential(*layers)

    def forward(self, q: torch.Tensor) -> torch.Tensor:   # (B, code_dim, h, w) -> (B, C, H, W)
        return self.body(q)


class Codebook(nn.Module):
    """K code vectors kept as buffers and moved by EMA statistics, not by the optimizer."""

    def __init__(self, size: int, dim: int, decay: float, dead_threshold: float):
        super().__init__()
        self.decay, self.dead_threshold = decay, dead_threshold
        self.register_buffer("embedding", torch.randn(size, dim))
        self.register_buffer("cluster_size", torch.zeros(size))       # EMA of vectors assigned per step
        self.register_buffer("embed_sum", torch.zeros(size, dim))     # EMA of their sum
        self.register_buffer("initialized", torch.zeros(()))

    def nearest(self, flat: torch.Tensor) -> torch.Tensor:           # (N, D) -> (N,) code indices
        distance = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ self.embedding.t() + self.embedding.pow(2).sum(1)
        return distance.argmin(1)

    def lookup(self, indices: torch.Tensor) -> torch.Tensor:         # (B, h, w) -> (B, D, h, w)
        return F.embedding(indices, self.embedding).permute(0, 3, 1, 2)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, D, h, w) -> quantized (straight-through gradient), indices (B, h, w), commitment loss."""
        b, d, h, w = z.shape
        z = z.float()
        indices = self.nearest(z.permute(0, 2, 3, 1).reshape(-1, d)).view(b, h, w)
        q = self.lookup(indices)
        commitment = F.mse_loss(z, q.detach())
        return z + (q - z).detach(), indices, commitment

    @torch.no_grad()
    def update(self, z: torch.Tensor, indices: torch.Tensor) -> dict[str, float]:
        """One EMA step towards the batch's assignments; restart dead codes. Returns usage figures."""
        flat = z.detach().float().permute(0, 2, 3, 1).reshape(-1, z.shape[1])       # (N, D)
        idx = indices.reshape(-1)
        k = self.embedding.shape[0]
        if not self.initialized:                       # start from data: K random encoder outputs
            self.embedding.copy_(flat[torch.randint(len(flat), (k,), device=flat.device)])
            self.embed_sum.copy_(self.embedding)
            self.cluster_size.fill_(1.0)
            self.initialized.fill_(1.0)
            idx = self.nearest(flat)
        counts = torch.bincount(idx, minlength=k).float()                           # (K,)
        self.cluster_size.lerp_(counts, 1 - self.decay)
        self.embed_sum.lerp_(torch.zeros_like(self.embed_sum).index_add_(0, idx, flat), 1 - self.decay)
        n = self.cluster_size.sum()
        smoothed = (self.cluster_size + 1e-5) / (n + k * 1e-5) * n                # Laplace smoothing
        self.embedding.copy_(self.embed_sum / smoothed[:, None])
        dead = self.cluster_size < self.dead_threshold
        n_dead = int(dead.sum())                                                     # GPU sync
        if n_dead:
            fresh = flat[torch.randint(len(flat), (n_dead,), device=flat.device)]
            self.embedding[dead] = fresh
            self.embed_sum[dead] = fresh * self.dead_threshold
            self.cluster_size[dead] = self.dead_threshold
        p = counts / counts.sum()
        perplexity = torch.exp(-(p * torch.log(p.clamp(min=1e-10))).sum()).item()
        return {"perplexity": perplexity, "dead_codes": float(n_dead)}


# -- the prior ---------------------------------------------------------------------------------
class CausalBlock(nn.Module):
    """Pre-LayerNorm transformer block with causal self-attention and an optional KV cache."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.drop = nn.Dropout(dropout)       # on each branch before it joins the residual stream (GPT-2)

    def forward(self, x: torch.Tensor, cache: dict | None = None) -> torch.Tensor:   # (B, T, D)
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        if cache is not None:                          # keys and values of earlier positions
            if "k" in cache:
                k, v = torch.cat([cache["k"], k], 2), torch.cat([cache["v"], v], 2)
            cache["k"], cache["v"] = k, v
        attn = attention(q, k, v, is_causal=t > 1)                          # (B, heads, T, D/heads)
        x = x + self.drop(self.proj(attn.transpose(1, 2).reshape(b, t, d)))
        return x + self.drop(self.mlp(self.norm2(x)))


class Prior(nn.Module):
    """A causal transformer over [text tokens; image tokens] that predicts the image tokens."""

    def __init__(self, cfg: VQVAEConfig, vocab_size: int, tokens: int):
        super().__init__()
        self.text_length = cfg.text_length
        self.text_embed = nn.Embedding(vocab_size, cfg.prior_dim)
        self.code_embed = nn.Embedding(cfg.codebook_size, cfg.prior_dim)
        self.position = nn.Parameter(torch.randn(cfg.text_length + tokens, cfg.prior_dim) * 0.02)
        self.blocks = nn.ModuleList(CausalBlock(cfg.prior_dim, cfg.prior_heads, cfg.prior_dropout)
                                    for _ in range(cfg.prior_depth))
        self.norm = nn.LayerNorm(cfg.prior_dim)
        self.head = nn.Linear(cfg.prior_dim, cfg.codebook_size)

    def _run(self, x: torch.Tensor, caches: list[dict] | None = None) -> torch.Tensor:
        for i, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[i])
        return self.head(self.norm(x))

    def forward(self, text: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits (B, N, K) for codes (B, N) after text (B, T)."""
        t = text.shape[1]
        x = torch.cat([self.text_embed(text), self.code_embed(codes[:, :-1])], 1)  # (B, T + N - 1, D)
        return self._run(x + self.position[: x.shape[1]])[:, t - 1:]

    def start(self, text: torch.Tensor, caches: list[dict]) -> torch.Tensor:
        """Read the prompt into the caches; logits (B, K) of the first code."""
        x = self.text_embed(text) + self.position[: text.shape[1]]
        return self._run(x, caches)[:, -1]

    def extend(self, codes: torch.Tensor, index: int, caches: list[dict]) -> torch.Tensor:
        """Feed code number `index` (B,); logits (B, K) of the next one."""
        x = self.code_embed(codes)[:, None] + self.position[self.text_length + index]
        return self._run(x, caches)[:, -1]


# -- the family --------------------------------------------------------------------------------
@register
class VQVAE(Family):
    name = "vqvae"
    order = 60
    title = "VQ-VAE with a text prior"
    summary = "Turns images into a grid of codebook tokens, then a small transformer writes tokens after your words."
    description = (
        "An autoencoder whose bottleneck is a grid of words from a learned codebook of image patches; "
        "a small transformer then learns to write those tokens one by one after a caption (DALL·E in "
        "miniature), so prompts work. Trains in two stages in one run. Sharper than a VAE; sampling "
        "goes row by row."
    )
    capabilities = frozenset({ENCODE, PROMPT, PROGRESSIVE})
    Config = VQVAEConfig
    train_defaults = {"lr": 1e-3, "batch_size": 64, "steps": 4000, "ema_decay": 0.99}

    def __init__(self, config: VQVAEConfig, data: DataInfo):
        super().__init__(config, data)
        side = data.image_size >> config.downsample
        if side < 1 or side << config.downsample != data.image_size:
            raise ConfigError("vqvae.size_not_divisible", size=data.image_size, multiple=2 ** config.downsample,
                              downsample=config.downsample)
        if side * side > MAX_TOKENS:
            raise ConfigError("vqvae.too_many_tokens", side=side, tokens=side * side, limit=MAX_TOKENS)
        self.side = side
        self.tokenizer = Tokenizer(data.vocabulary)
        self._vocabulary = frozenset(data.vocabulary)
        self.encoder = Encoder(config, data.channels)
        self.decoder = Decoder(config, data.channels)
        self.codebook = Codebook(config.codebook_size, config.code_dim, config.codebook_decay, config.dead_code_threshold)
        self.prior = Prior(config, self.tokenizer.size, side * side)
        self.prior_steps = torch.zeros((), dtype=torch.long)   # stage-2 steps done: 0 means an untrained prior
        self.prior_start = torch.tensor(-1)   # the step stage 2 began at (-1: not yet), kept for an exact resume
        self._frozen = False

    def modules(self) -> dict[str, nn.Module]:
        return {"encoder": self.encoder, "decoder": self.decoder, "codebook": self.codebook, "prior": self.prior}

    def extra_state(self) -> dict[str, torch.Tensor]:
        return {"prior_steps": self.prior_steps, "prior_start": self.prior_start}

    def load_extra_state(self, tensors) -> None:
        # A checkpoint from before this counter existed: unknown (-1), so no warning.
        self.prior_steps = tensors["prior_steps"].cpu().long().clone() if "prior_steps" in tensors else torch.tensor(-1)
        if "prior_start" in tensors:
            self.prior_start = tensors["prior_start"].cpu().long().clone()
        else:   # saved before stage 2 could start early: it began at autoencoder_steps, if at all
            started = int(self.prior_steps) != 0
            self.prior_start = torch.tensor(self.config.autoencoder_steps if started else -1)

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.config.code_dim, self.side, self.side)

    def _in_prior(self, step: int) -> bool:
        start = int(self.prior_start)
        return step >= (start if start >= 0 else self.config.autoencoder_steps)

    def training_stage(self, step: int) -> str:
        return "prior (2/2)" if self._in_prior(step) else "autoencoder (1/2)"

    def held_out_objective(self, step: int) -> str | None:
        return "prior_bits" if self._in_prior(step) else "recon_mse"

    # -- text ------------------------------------------------------------------------------
    def _texts(self, batch: Batch) -> list[str]:
        """The caption of each image, or its label name where it has no caption."""
        labels = None if batch.labels is None else batch.labels.tolist()
        return image_texts(batch.captions, labels, self.data.label_names, len(batch))

    def _text_ids(self, texts: list[str]) -> torch.Tensor:
        """(B, text_length) ids; words the model never saw are left out (prompt_warnings names them)."""
        known = [" ".join(w for w in words(t or "") if w in self._vocabulary) for t in texts]
        return self.tokenizer.encode_batch(known, self.config.text_length)[0].to(self.device)

    def prompt_warnings(self, prompt: str) -> list[Message]:
        warnings = []
        if int(self.prior_steps) == 0:
            warnings.append(Message("prompt.untrained_prior", autoencoder_steps=self.config.autoencoder_steps))
        unknown = self.tokenizer.unknown_words(prompt or "")
        if unknown and not self.tokenizer.vocabulary:
            warnings.append(Message("prompt.ignored_no_captions_or_labels"))
        elif unknown:
            warnings.append(Message("prompt.unseen_word_ignored" if len(unknown) == 1 else "prompt.unseen_words_ignored",
                                    words=", ".join(repr(w) for w in unknown)))
        return warnings

    # -- training --------------------------------------------------------------------------
    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        """Stage 1's autoencoder and stage 2's prior each have their own AdamW; only the prior's
        matrices decay (not biases, norms or embeddings, as in GPT-2)."""
        autoencoder = [p for m in (self.encoder, self.decoder, self.codebook) for p in m.parameters()]
        matrices = [m.weight for m in self.prior.modules() if isinstance(m, nn.Linear)]
        chosen = {id(p) for p in matrices}
        rest = [p for p in self.prior.parameters() if id(p) not in chosen]
        return {
            "main": torch.optim.AdamW(autoencoder, lr=lr, betas=(0.9, 0.99), weight_decay=0.0),
            "prior": torch.optim.AdamW([{"params": matrices, "weight_decay": self.config.prior_weight_decay},
                                        {"params": rest, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.99)),
        }

    def train_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        """Stage 1 until `autoencoder_steps` or `autoencoder_share` of the run, whichever comes first, then
        stage 2; a run measured in minutes switches by its time, so the step it switched at is recorded."""
        if int(self.prior_start) < 0:
            share_done = getattr(ctx, "fraction", 0.0) >= self.config.autoencoder_share
            if ctx.step < self.config.autoencoder_steps and not share_done:
                return self._autoencoder_step(batch, ctx)
            self.prior_start = torch.tensor(ctx.step)
        if not self._frozen:
            self._freeze_autoencoder()
        return self._prior_step(batch, ctx)

    def _autoencoder_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        x = batch.images
        with ctx.autocast():
            z = self.encoder(x)                                          # (B, code_dim, h, w)
        q, indices, commitment = self.codebook(z)
        with ctx.autocast():
            recon = self.decoder(q)
        recon_mse = F.mse_loss(recon.float(), x.float())
        loss = recon_mse + self.config.commitment * commitment
        usage = {"perplexity": 0.0, "dead_codes": 0.0}
        if ctx.optimize("main", loss):
            usage = self.codebook.update(z, indices)
        return {"loss": loss.item(), "recon_mse": recon_mse.item(), "commitment": commitment.item(),  # .item(): GPU sync
                **usage, "stage": 1.0}

    def _freeze_autoencoder(self) -> None:
        """From stage 2 on the autoencoder stays as it is; the sampling (EMA) copies become
        exactly it, so the prior learns the very codes that sampling decodes."""
        for name in ("encoder", "decoder", "codebook"):
            module = self.modules()[name]
            module.requires_grad_(False)
            if self._ema and name in self._ema:
                self._ema[name].load_state_dict(module.state_dict())
        self._frozen = True

    def _prior_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        codes = self._tokens(batch.images, live=True)                    # (B, N)
        texts = self._texts(batch)
        dropped = torch.rand(len(texts)) < self.config.text_dropout      # classifier-free guidance needs ""
        text = self._text_ids(["" if d else t for t, d in zip(texts, dropped.tolist())])
        with ctx.autocast():
            logits = self.prior(text, codes)                              # (B, N, K)
        loss = F.cross_entropy(logits.float().flatten(0, 1), codes.flatten())
        if ctx.optimize("prior", loss):
            self.prior_steps += 1
        value = loss.item()                                               # GPU sync
        return {"loss": value, "prior_bits": value / math.log(2), "stage": 2.0}

    @torch.no_grad()
    def _tokens(self, x: torch.Tensor, live: bool = False) -> torch.Tensor:
        """(B, C, H, W) in [-1, 1] -> (B, h*w) code indices, raster order."""
        encoder = self.encoder if live else self.eval_module("encoder")
        codebook = self.codebook if live else self.eval_module("codebook")
        _, indices, _ = codebook(encoder(x))
        return indices.flatten(1)

    @torch.inference_mode()
    def validation_losses(self, batch: Batch) -> dict[str, float]:
        """Reconstruction error and the prior's bits per token on held-out images (captions kept)."""
        encoder, decoder, codebook, prior = self._eval()
        q, indices, _ = codebook(encoder(batch.images))
        recon_mse = F.mse_loss(decoder(q).float(), batch.images.float()).item()
        logits = prior(self._text_ids(self._texts(batch)), indices.flatten(1))
        ce = F.cross_entropy(logits.float().flatten(0, 1), indices.flatten()).item()
        return {"recon_mse": recon_mse, "prior_bits": ce / math.log(2)}

    # -- generation --------------------------------------------------------------------------
    @classmethod
    def sample_options(cls) -> list[SampleOption]:
        return [
            SampleOption("temperature", "float", 1.0, 0.0, 2.0, help="Lower: safer, more typical tokens; 0 takes the likeliest."),
            SampleOption("top_k", "int", 0, 0, 65536, help="Draw only from the k likeliest codes (0: all)."),
            SampleOption("guidance", "float", 2.0, 1.0, 10.0,
                         help="Classifier-free guidance: how strongly the prompt steers (1: no guidance)."),
        ]

    def _eval(self) -> tuple[nn.Module, ...]:
        modules = tuple(self.eval_module(n) for n in ("encoder", "decoder", "codebook", "prior"))
        for m in modules:
            m.eval()
        return modules

    @torch.inference_mode()
    def sample(self, n: int, *, seed: int, prompt: str | None = None, temperature: float = 1.0, top_k: int = 0,
               guidance: float = 2.0, **options) -> Iterator[Frame]:
        """Write h*w tokens per image after the prompt; a Frame after each row of tokens."""
        for row, codes in self._write_codes(n, seed, prompt, temperature, top_k, guidance):
            yield Frame(images=self._decode_rows(codes, row), step=row, total=self.side,
                        label=Message("frame.row", row=row, rows=self.side))

    def _write_codes(self, n: int, seed: int, prompt: str | None, temperature: float, top_k: int,
                     guidance: float) -> Iterator[tuple[int, torch.Tensor]]:
        """(rows written, (n, h*w) codes so far) after each row of tokens; image i draws from seed + i."""
        _, _, _, prior = self._eval()
        guided = float(guidance) != 1.0
        text = self._text_ids([prompt or ""] * n + ([""] * n if guided else []))
        caches: list[dict] = [{} for _ in prior.blocks]
        yield from write_tokens(lambda: prior.start(text, caches), lambda codes, j: prior.extend(codes, j, caches),
                                uniforms=seed_uniforms(n, self.side * self.side, seed, self.device),
                                row_length=self.side, temperature=temperature, top_k=top_k, guidance=guidance,
                                guided=guided)

    def _decode_rows(self, codes: torch.Tensor, rows: int) -> np.ndarray:
        """Decode (n, h*w) codes; pixels below the first `rows` token rows are grey (not written yet)."""
        _, decoder, codebook, _ = self._eval()
        images = to_uint8_images(decoder(codebook.lookup(codes.view(-1, self.side, self.side))))
        images[:, rows * (self.data.image_size // self.side):] = 128
        return images

    @torch.inference_mode()
    def preview(self, batch: Batch, *, seed: int = 0, n: int = 16) -> Iterator[Frame]:
        """Reconstructions of real images beside prompt-free samples of the prior."""
        encoder, decoder, codebook, _ = self._eval()
        x = batch.images[:8]
        recon = decoder(codebook(encoder(x))[0])
        *_, (rows, codes) = self._write_codes(n, seed, None, 1.0, 0, 1.0)   # decode the finished codes only
        yield Frame(images=self._decode_rows(codes, rows), step=1, total=1,
                    label=Message("frame.reconstructions_and_prior_samples"),
                    extras={"input": to_uint8_images(x), "reconstruction": to_uint8_images(recon)})

    @torch.inference_mode()
    def tokens(self, images: np.ndarray) -> np.ndarray:
        """(N, h, w) int64 code indices of images."""
        self._eval()
        return self._tokens(from_uint8_images(images, self.device)).view(-1, self.side, self.side).cpu().numpy()

    @torch.inference_mode()
    def encode(self, images: np.ndarray) -> np.ndarray:
        """(N, code_dim, h, w) float32: the code vectors each image maps to."""
        encoder, _, codebook, _ = self._eval()
        q, _, _ = codebook(encoder(from_uint8_images(images, self.device)))
        return q.float().cpu().numpy()

    @torch.inference_mode()
    def decode(self, latents: np.ndarray) -> np.ndarray:
        """Decode code vectors as they are (not snapped to the codebook), so blends between two
        encoded images decode smoothly."""
        _, decoder, _, _ = self._eval()
        q = torch.as_tensor(np.asarray(latents, dtype=np.float32), device=self.device).reshape(-1, *self.latent_shape)
        return to_uint8_images(decoder(q))

