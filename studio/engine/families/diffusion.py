"""Denoising diffusion (DDPM, Ho et al. 2020, https://arxiv.org/abs/2006.11239) with prompts.

training:  x_t = sqrt(ab_t) x0 + sqrt(1 - ab_t) eps for a random t; a U-Net (engine/nn.py) predicts
           v (default, https://arxiv.org/abs/2202.00512) or eps, with min-SNR loss weights
           (https://arxiv.org/abs/2303.09556) on a cosine schedule (https://arxiv.org/abs/2102.09672).
prompts:   captions (or class-folder names) -> word tokenizer -> small transformer trained jointly;
           its tokens are extra keys/values of the U-Net's attention, its pooled vector joins the
           time embedding. Captions are dropped 10% of the time, so the same model also generates
           unconditionally and classifier-free guidance works (https://arxiv.org/abs/2207.12598).
sampling:  DPM-Solver++(2M) SDE (the default), DPM-Solver++(2M), DDIM or ancestral DDPM (engine/samplers.py);
           every step is a Frame with the noisy image and the predicted clean image.
classifier guidance: with `classifier` on, a small noise-conditional classifier (families/noisy_classifier.py)
           learns the labels or caption words of x_t beside the U-Net; its gradient steers sampling instead of
           (guidance_kind "classifier") or on top of ("both") classifier-free guidance.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import numpy as np
import torch
from torch import nn

from studio.engine.families.base import (
    LIKELIHOOD, PROGRESSIVE, PROMPT, Batch, ConfigError, DataInfo, Family, FamilyConfig, Frame, FusedAdamW,
    SampleOption, StepContext, from_uint8_images, register, to_uint8_images,
)
from studio.engine.families.noisy_classifier import (
    NoisyClassifier, Targets, check_guidance_targets, guidance_gradient, noisy_accuracy,
)
from studio.engine.messages import Message
from studio.engine.nn import UNet
from studio.engine.optim import MuonAdamW
from studio.engine.samplers import SAMPLERS, SCHEDULES, make_scheduler, noise_like, q_sample, split_prediction, v_target
from studio.engine.text import TextEncoder, Tokenizer, image_texts, words

VALIDATION_SEED = 1234
TEXT_POOLS = ("bos", "bos+mean", "bos+words")
VALIDATION_FRACTIONS = (0.1, 0.3, 0.6, 0.9)   # fixed timesteps of the validation loss, as fractions of T
# The stochastic solver: fresh noise each step corrects what a briefly trained model got wrong in the steps before;
# 20 steps at guidance 3 stayed best (benchmarks/RESULTS.md, "Samplers and guidance").
DEFAULT_SAMPLER = "dpm++2m-sde"
# Classifier-free guidance only in the middle of the denoising (noise levels sigma ~5.4 to ~0.28, the interval of
# https://arxiv.org/abs/2404.07724): better samples, prompts followed as often, fewer passes (benchmarks/RESULTS.md,
# "Guidance in an interval").
GUIDANCE_INTERVAL = (0.12, 0.83)
GUIDANCE_KINDS = ("classifier-free", "classifier", "both")
DEFAULT_CLASSIFIER_SCALE = 10.0    # the best prompt adherence on digits at 5 CPU-minutes (benchmarks/RESULTS.md)


@dataclass(frozen=True)
class DiffusionConfig(FamilyConfig):
    channels: tuple[int, ...] = (32, 64, 128, 192)   # U-Net width per level, full resolution first: narrow at
    blocks: tuple[int, ...] = (1, 1, 2, 1)           # high resolution, parameters where convolutions are cheap
    attention_max_side: int = 8                  # self/cross-attention at levels this small or smaller
    heads: int = 4
    patch: int = 1                               # 2: the U-Net runs at half resolution (~4x faster, less detail)
    timesteps: int = 1000
    schedule: str = "cosine"                     # cosine | linear
    prediction: str = "v"                        # v | epsilon
    min_snr_gamma: float = 5.0                   # min-SNR loss weighting (0: plain MSE)
    text_dim: int = 64
    text_depth: int = 2
    max_prompt_words: int = 15
    caption_dropout: float = 0.1                 # share of captions replaced by "" (for guidance)
    dropout: float = 0.0                         # in the U-Net's residual blocks while training, against copying
                                                 # a small set; off, as 0.1 failed the sweep's rule (benchmarks/
                                                 # RESULTS.md, "The sweep: diffusion dropout, ...")
    timestep_sampling: str = "uniform"           # uniform | logit-normal (more training at middle noise levels)
    timestep_shift: float = 0.0                  # logit-normal's mean: > 0 trains more at high noise levels
    text_pool: str = "bos"                       # pooled text: "bos" (the BOS features), "bos+mean" (+ mean of the
                                                 # words' features) or "bos+words" (+ their normalised input embeddings)
    optimizer: str = "muon"                      # muon (for the weight matrices; AdamW for the rest) | adamw
    classifier: bool = True                      # train a noisy classifier for classifier guidance (where the
                                                 # data has labels or captions; its own optimizer)
    classifier_width: int = 32
    classifier_batch: int = 16                   # images of each batch the classifier learns from (the first ones)

    presets = {
        "tiny": dict(channels=(16, 32), blocks=(1, 1), text_dim=32, text_depth=1, heads=2, classifier_width=16),
        # The most quality per CPU-minute measured: 3.2M parameters at half resolution, two blocks at 8x8,
        # attention only at 4x4 and in the middle, mid-noise timesteps sampled more often (benchmarks/RESULTS.md,
        # "Diffusion: model size and presets").
        "light": dict(channels=(32, 64, 128), blocks=(1, 2, 2), patch=2, attention_max_side=4,
                      timestep_sampling="logit-normal", text_dim=64, text_depth=2),                 # 32-64 px
        "small": dict(channels=(32, 64, 128, 192), blocks=(1, 1, 2, 1), text_dim=64, text_depth=2),   # 16-64 px
        "base": dict(channels=(64, 128, 256, 384), blocks=(1, 2, 2, 2), attention_max_side=16, text_dim=128,
                     text_depth=3),                                                                 # 64-128 px
    }

    # Runs saved before Muon trained with AdamW and resume with it; runs saved before classifier guidance have
    # no classifier.
    saved_defaults = {"optimizer": "adamw", "classifier": False}
    # Left-right flips were this family's own (on by default); TrainConfig.mirror (off by default) does them now.
    moved_to_train = {"flip": "mirror"}

    # Balanced (15 minutes at 32 px) on a CPU: light, which learns far more than small in that time
    # (benchmarks/RESULTS.md, "Diffusion: model size and presets").
    cpu_recipe_presets = {"balanced": "light"}

    def __post_init__(self):
        if not self.channels or any(c < 8 or c % 8 for c in self.channels):
            raise ConfigError("config.multiples", name="channels", factor=8, example="64, 128", value=self.channels)
        if len(self.blocks) != len(self.channels) or any(b < 0 for b in self.blocks):
            raise ConfigError("diffusion.bad_blocks", channels=self.channels)
        if self.heads < 1 or any(c % self.heads for c in self.channels) or self.text_dim % self.heads:
            raise ConfigError("diffusion.bad_heads", heads=self.heads)
        if self.patch not in (1, 2, 4):
            raise ConfigError("diffusion.bad_patch", patch=self.patch)
        if self.schedule not in SCHEDULES:
            raise ConfigError("config.one_of", name="schedule", choices=", ".join(SCHEDULES), value=self.schedule)
        if self.prediction not in ("v", "epsilon"):
            raise ConfigError("diffusion.bad_prediction", prediction=self.prediction)
        if not 10 <= self.timesteps <= 10000:
            raise ConfigError("config.between", name="timesteps", low=10, high=10000, value=self.timesteps)
        if not -3 <= self.timestep_shift <= 3:
            raise ConfigError("config.between_example", name="timestep_shift", low=-3, high=3, example=0.5,
                              value=self.timestep_shift)
        if self.timestep_sampling not in ("uniform", "logit-normal"):
            raise ConfigError("diffusion.bad_timestep_sampling", timestep_sampling=self.timestep_sampling)
        if self.optimizer not in ("adamw", "muon"):
            raise ConfigError("config.one_of", name="optimizer", choices="adamw, muon", value=self.optimizer)
        if self.text_pool not in TEXT_POOLS:
            raise ConfigError("config.one_of", name="text_pool", choices=", ".join(TEXT_POOLS), value=self.text_pool)
        if self.min_snr_gamma < 0 or not 0 <= self.caption_dropout < 1:
            raise ConfigError("diffusion.bad_snr_or_dropout")
        if not 0 <= self.dropout < 1:
            raise ConfigError("config.in_range", name="dropout", range="[0, 1)", value=self.dropout)
        if self.text_dim < 8 or self.text_depth < 1 or self.max_prompt_words < 1:
            raise ConfigError("diffusion.bad_text_encoder")
        if self.classifier_batch < 1:
            raise ConfigError("config.between", name="classifier_batch", low=1, high=4096, value=self.classifier_batch)
        if self.classifier_width < 8 or self.classifier_width % 8:
            raise ConfigError("config.multiples", name="classifier_width", factor=8, example="32",
                              value=self.classifier_width)


@register
class Diffusion(Family):
    name = "diffusion"
    held_out_key = "loss"               # at fixed timesteps and noise
    order = 40
    title = "Diffusion model"
    summary = "Learns to remove noise step by step; best image quality, follows prompts, slower to sample."
    description = (
        "Adds noise to your pictures and trains a U-Net to take it away again; generating starts from pure "
        "noise and removes it in 10-50 steps you can watch. Trained on captions or class folders it follows "
        "prompts (with a guidance strength). The best quality of the families; sampling takes several passes."
    )
    capabilities = frozenset({PROMPT, PROGRESSIVE, LIKELIHOOD})
    Config = DiffusionConfig
    # A preview (a guided 10-step sample) and a validation pass cost many forwards: every minute, not 30 s.
    # EMA warm-up 25: the average stays ~n/25 steps old after n steps, so a short run's average keeps up with the
    # live weights. Batch 64 at lr 4e-3 with Muon, whose update costs the same at any batch on a CPU, so a bigger
    # batch spreads it over more images; optimizer="adamw" wants batch 32 at lr 2e-3 (benchmarks/RESULTS.md,
    # "Diffusion: batch size, learning rate and warm-ups" and "Diffusion: what did not beat the defaults").
    train_defaults = {"lr": 4e-3, "batch_size": 64, "steps": 8000, "warmup_steps": 100, "ema_warmup": 25.0,
                      "preview_seconds": 60.0, "validate_seconds": 60.0}

    def __init__(self, config: DiffusionConfig, data: DataInfo):
        super().__init__(config, data)
        levels, side = len(config.channels), data.image_size // config.patch
        multiple = config.patch * 2 ** (levels - 1)
        if data.image_size % multiple:
            raise ConfigError("diffusion.size_not_divisible", levels=levels, patch=config.patch, multiple=multiple,
                              size=data.image_size)
        folded = data.channels * config.patch ** 2
        if config.channels[0] < folded:
            # Narrower, the first level cannot carry the noise it must predict (even wide enough, patch 4 trained
            # only noise at 32 px: benchmarks/RESULTS.md, "Diffusion: model size and presets").
            raise ConfigError("diffusion.patch_too_large", patch=config.patch, folded=folded,
                              channels=config.channels[0], needed=-(-folded // 8) * 8)
        attention = tuple(i for i in range(levels) if side >> i <= config.attention_max_side)
        self.conditional = bool(data.vocabulary)
        self.tokenizer = Tokenizer(data.vocabulary)
        self.prompt_length = config.max_prompt_words + 1                      # + BOS
        text_dim = config.text_dim if self.conditional else 0
        self.unet = UNet(data.channels, config.channels, config.blocks, attention, config.heads,
                         context_dim=text_dim, pooled_dim=text_dim, patch=config.patch, dropout=config.dropout)
        self.text = (TextEncoder(self.tokenizer.size, config.text_dim, config.text_depth, config.heads,
                                 self.prompt_length) if self.conditional else None)
        self.alphas_cumprod = SCHEDULES[config.schedule](config.timesteps)  # (T,) float64, on the CPU
        # The noisy classifier of classifier guidance, where there are labels or words to learn.
        self.targets = Targets(data) if getattr(config, "classifier", False) and Targets(data).size else None
        self.classifier = (NoisyClassifier(data.channels, data.image_size, self.targets.size, config.classifier_width)
                           if self.targets is not None else None)

    def modules(self) -> dict[str, nn.Module]:
        named = {"unet": self.unet, "text": self.text} if self.text is not None else {"unet": self.unet}
        if getattr(self, "classifier", None) is not None:
            named["classifier"] = self.classifier
        return named

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        """Muon for the weight matrices and AdamW for the rest (`MuonAdamW`), or with optimizer="adamw" AdamW
        as the base class's, fused on CPU and CUDA: one kernel over all ~170 weight tensors instead of a loop of
        small ops, in place on channels_last weights too (`FusedAdamW`).

        Muon roughly halves the steps to a given quality and wins in CPU time too, though a step costs more
        (benchmarks/RESULTS.md, "Muon against AdamW, and orthogonalisation").

        The noisy classifier, when there is one, has its own AdamW ("classifier"), at a quarter of the rate."""
        modules = [m for key, m in self.modules().items() if key != "classifier"]
        if self.config.optimizer == "muon":
            named = [(name, p) for m in modules for name, p in m.named_parameters()]
            optimizers = {"main": MuonAdamW.split(named, lr, betas=(0.9, 0.99))}
        else:
            params = [p for m in modules for p in m.parameters() if p.requires_grad]
            fused = all(p.device.type in ("cpu", "cuda") for p in params)
            adamw = FusedAdamW if fused else torch.optim.AdamW
            optimizers = {"main": adamw(params, lr=lr, betas=(0.9, 0.99), weight_decay=0.0)}
        if getattr(self, "classifier", None) is not None:
            params = list(self.classifier.parameters())
            adamw = FusedAdamW if all(p.device.type in ("cpu", "cuda") for p in params) else torch.optim.AdamW
            optimizers["classifier"] = adamw(params, lr=lr / 4, betas=(0.9, 0.99), weight_decay=0.0)
        return optimizers

    def _ab(self, t: torch.Tensor) -> torch.Tensor:
        """alpha_bar at timesteps t (B,) -> (B, 1, 1, 1) float32 on t's device."""
        return self.alphas_cumprod.to(t.device, torch.float32)[t].view(-1, 1, 1, 1)

    # -- text ------------------------------------------------------------------------------
    def captions(self, batch: Batch) -> list[str]:
        """One caption per image: its caption, else its class-folder name, else ""."""
        labels = None if batch.labels is None else batch.labels.tolist()
        return image_texts(batch.captions, labels, self.data.label_names, len(batch))

    def encode_text(self, texts: Sequence[str], text: nn.Module | None = None):
        """(tokens (B, T, D), mask (B, T), pooled (B, D)), or None for an unconditional model."""
        text = text if text is not None else self.text
        if not self.conditional or text is None:
            return None
        ids, _ = self.tokenizer.encode_batch(list(texts), self.prompt_length)
        tokens, pooled, mask = text(ids.to(self.device))
        if self.config.text_pool != "bos":           # each word reaches the time embedding directly
            words_mask = mask.clone()
            words_mask[:, 0] = False
            weights = words_mask.to(tokens.dtype)[:, :, None]
            if self.config.text_pool == "bos+mean":
                pooled = pooled + (tokens * weights).sum(1) / weights.sum(1).clamp(min=1)
            else:   # bag of words: the embeddings are random at first, so every word is distinct from step 0
                bag = (text.embed(ids.to(self.device)) * weights).sum(1)
                pooled = pooled + torch.nn.functional.layer_norm(bag, bag.shape[-1:]) * weights.amax(1)
        return tokens, mask, pooled

    def prompt_warnings(self, prompt: str) -> list[Message]:
        if not prompt or not prompt.strip():
            return []
        if not self.conditional:
            return [Message("prompt.ignored_no_captions_or_classes")]
        notes = []
        unknown = self.tokenizer.unknown_words(prompt)
        if unknown:
            notes.append(Message("prompt.unknown_word" if len(unknown) == 1 else "prompt.unknown_words",
                                 words=", ".join(repr(w) for w in unknown)))
        if len(words(prompt)) > self.config.max_prompt_words:
            notes.append(Message("prompt.too_long", count=self.config.max_prompt_words))
        return notes

    # -- the objective ------------------------------------------------------------------------
    def _predict(self, unet: nn.Module, x_t: torch.Tensor, t: torch.Tensor, cond) -> torch.Tensor:
        if cond is None:
            return unet(x_t, t)
        tokens, mask, pooled = cond
        return unet(x_t, t, tokens, mask, pooled)

    def _loss_per_image(self, output: torch.Tensor, x0: torch.Tensor, noise: torch.Tensor,
                        t: torch.Tensor) -> torch.Tensor:
        """(B,) weighted MSE. min-SNR-gamma weights (https://arxiv.org/abs/2303.09556, eq. 8):
        min(SNR, gamma) / SNR for eps, min(SNR, gamma) / (SNR + 1) for v."""
        ab = self._ab(t)
        target = v_target(x0, noise, ab) if self.config.prediction == "v" else noise
        mse = (output.float() - target).pow(2).flatten(1).mean(1)                 # (B,)
        gamma = self.config.min_snr_gamma
        if not gamma:
            return mse
        snr = (ab / (1 - ab)).flatten()
        weight = snr.clamp(max=gamma) / (snr + 1 if self.config.prediction == "v" else snr)
        return mse * weight

    def _timesteps(self, n: int, device) -> torch.Tensor:
        """(n,) training timesteps: uniform, or logit-normal in t/T (sigmoid of a normal with mean
        `timestep_shift`, sd 1; Esser et al. 2024, https://arxiv.org/abs/2403.03206, sec. 3.1), which trains more
        at the middle noise levels (a positive shift: at higher ones)."""
        T = self.config.timesteps
        if self.config.timestep_sampling == "logit-normal":
            u = torch.sigmoid(torch.randn(n, device=device) + self.config.timestep_shift)
            return (u * T).long().clamp(0, T - 1)
        return torch.randint(0, T, (n,), device=device)

    def train_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        x0 = batch.images
        texts = self.captions(batch)
        if self.conditional and self.config.caption_dropout:
            drop = (torch.rand(len(texts)) < self.config.caption_dropout).tolist()
            texts = ["" if d else text for d, text in zip(drop, texts)]
        t = self._timesteps(len(batch), x0.device)
        # randn_like, though torch.randn fills a channels_last x0 a little faster: randn did not score better
        # (benchmarks/RESULTS.md, "Diffusion: what did not beat the defaults").
        noise = torch.randn_like(x0)
        x_t = q_sample(x0, t, noise, self.alphas_cumprod)
        with ctx.autocast():
            output = self._predict(self.unet, x_t, t, self.encode_text(texts))
        loss = self._loss_per_image(output, x0, noise, t).mean()
        ctx.optimize("main", loss)
        metrics = {"loss": loss.item()}                                          # .item(): GPU sync
        # The classifier learns from the first classifier_batch of the same noisy images (captions not dropped).
        k = self.config.classifier_batch
        part = _first(batch, k)
        target = (self.targets.from_batch(part.labels, self.captions(part), x0.device)
                  if self.classifier is not None else None)
        if target is not None:
            with ctx.autocast():
                logits = self.classifier(x_t[:k], t[:k])
            cls_loss = self.targets.loss(logits, target)
            ctx.optimize("classifier", cls_loss)
            metrics["cls_loss"] = cls_loss.item()
        return metrics

    def _eval(self) -> tuple[nn.Module, nn.Module | None]:
        unet = self.eval_module("unet")
        text = self.eval_module("text") if self.text is not None else None
        for module in (unet, text):
            if module is not None:
                module.eval()
        return unet, text

    @torch.inference_mode()
    def validation_losses(self, batch: Batch) -> dict[str, float]:
        """The weighted loss at fixed timesteps (10/30/60/90% of T) and fixed noise, so it moves only when
        the model does, on the first 16 images of the batch; and the bits/dim bound of its first 4 images
        from 8 timesteps (see `bits_per_dim`). Subsets keep a validation pass to a few seconds on a CPU."""
        unet, text = self._eval()
        batch = _first(batch, 16)
        x0 = batch.images.float()
        cond = self.encode_text(self.captions(batch), text)
        generator = torch.Generator().manual_seed(VALIDATION_SEED)
        total = 0.0
        for fraction in VALIDATION_FRACTIONS:
            t = torch.full((len(batch),), int(fraction * (self.config.timesteps - 1)), device=x0.device)
            noise = noise_like(x0, generator)
            output = self._predict(unet, q_sample(x0, t, noise, self.alphas_cumprod), t, cond)
            total += self._loss_per_image(output, x0, noise, t).mean().item()
        bpd = self.bits_per_dim(_first(batch, 4), timesteps=8).mean().item()
        losses = {"loss": total / len(VALIDATION_FRACTIONS), "bits_per_dim": bpd}
        for level, accuracy in self.classifier_accuracy(batch).items():
            if math.isfinite(accuracy):
                losses[f"cls_acc_{level}"] = accuracy
        return losses

    def classifier_accuracy(self, batch: Batch) -> dict[str, float]:
        """The noisy classifier's accuracy on the batch's images noised to low, mid and high noise
        (noisy_classifier.ACCURACY_LEVELS: 10%, 50%, 90% of T): {"low": ..., "mid": ..., "high": ...}; empty
        without a classifier."""
        if self.classifier is None:
            return {}
        classifier = self.eval_module("classifier").eval()
        return noisy_accuracy(classifier, self.targets, batch.images.float(), batch.labels, self.captions(batch),
                              self.alphas_cumprod)

    # -- likelihood -------------------------------------------------------------------------------
    @torch.inference_mode()
    def bits_per_dim(self, batch: Batch, timesteps: int = 16) -> torch.Tensor:
        """(B,) estimate of the variational upper bound on -log2 p(x) per dimension (DDPM,
        https://arxiv.org/abs/2006.11239, eq. 5) = prior KL + sum_t KL(q(x_t-1|x_t,x0) || p(x_t-1|x_t)) + decoder NLL.

        p uses the posterior variance beta-tilde, so the KL at t is (SNR(t-1) - SNR(t)) / 2 * |x0 - x0_hat(x_t)|^2
        (VDM, https://arxiv.org/abs/2107.00630, eq. 13); the decoder is a discretised Gaussian with variance beta_1
        (improved DDPM, sec. 2). The weights SNR(t-1) - SNR(t) span orders of magnitude (the first alone is about half
        their sum on either schedule), so evenly spaced t, each standing for (T-1)/timesteps terms, overweight the
        first many times over. The sum is estimated by stratified importance sampling: `timesteps` strata of equal
        mass under m_t = (SNR(t-1) - SNR(t)) / (SNR(t) + 1) (the terms of a model that has learnt nothing, on
        unit-variance data), one t per stratum and image drawn with probability proportional to m_t, each term divided
        by that probability. Unbiased, and deterministic: t and the noise come from a fixed seed.
        """
        unet, text = self._eval()
        x0 = batch.images.float()
        n, dims = len(x0), x0[0].numel()
        cond = self.encode_text(self.captions(batch), text)
        ab = self.alphas_cumprod.double()                                     # (T,) on the CPU
        snr = ab / (1 - ab)
        generator = torch.Generator().manual_seed(VALIDATION_SEED)
        ab_T = float(ab[-1])
        prior = 0.5 * (-math.log1p(-ab_T) + (1 - ab_T) + ab_T * x0.pow(2) - 1).flatten(1).sum(1)
        weight = snr[:-1] - snr[1:]                                           # term t = 1..T-1 at index t - 1
        mass = (weight / (snr[1:] + 1)).cumsum(0)
        strata = torch.arange(timesteps, dtype=torch.float64)
        u = (strata + torch.rand(n, timesteps, generator=generator, dtype=torch.float64)) / timesteps * mass[-1]
        index = torch.searchsorted(mass, u).clamp(max=len(weight) - 1)        # (B, timesteps)
        scale = 0.5 * (snr[1:] + 1)[index] * mass[-1] / timesteps             # KL weight / (timesteps * probability)
        middle = torch.zeros(n, device=x0.device)
        for j in range(timesteps):
            x0_hat = self._x0(unet, x0, (index[:, j] + 1).to(x0.device), noise_like(x0, generator), cond)
            middle += scale[:, j].to(x0.device, torch.float32) * (x0 - x0_hat).pow(2).flatten(1).sum(1)
        x0_hat = self._x0(unet, x0, torch.zeros(n, dtype=torch.long, device=x0.device), noise_like(x0, generator), cond)
        decoder = -_discretized_gaussian_log_likelihood(x0, x0_hat, 0.5 * math.log(1 - float(ab[0])))
        return (prior + middle + decoder.flatten(1).sum(1)) / (dims * math.log(2))

    def _x0(self, unet, x0, t: torch.Tensor, noise, cond) -> torch.Tensor:
        """The model's clean image (clamped to [-1, 1]) from x0 noised to timesteps t (B,)."""
        x_t = q_sample(x0, t, noise, self.alphas_cumprod)
        x0_hat, _ = split_prediction(self._predict(unet, x_t, t, cond).float(), x_t, self._ab(t), self.config.prediction)
        return x0_hat.clamp(-1, 1)

    def log_likelihood(self, images: np.ndarray) -> np.ndarray:
        """Bits/dim upper bound (the variational bound) of (N, H, W, C) uint8 images, unconditional."""
        x = from_uint8_images(images, self.device)
        return np.concatenate([self.bits_per_dim(Batch(images=x[i:i + 64])).cpu().numpy() for i in range(0, len(x), 64)])

    # -- sampling -----------------------------------------------------------------------------------
    @classmethod
    def sample_options(cls) -> list[SampleOption]:
        return [
            SampleOption("steps", "int", 20, 1, 1000,
                         help="Denoising steps: 10-25 are enough for dpm++2m-sde and dpm++2m, 50 for ddim and ddpm."),
            SampleOption("sampler", "choice", DEFAULT_SAMPLER, choices=tuple(SAMPLERS),
                         help="dpm++2m-sde: fast, adds fresh noise each step (fixes early mistakes); dpm++2m: fast, "
                              "deterministic; ddim: deterministic classic; ddpm: ancestral (noisy steps)."),
            SampleOption("guidance", "float", 3.0, 0.0, 20.0,
                         help="How strongly to follow the prompt: 0 ignores it, 1 is plain conditional, 2-5 is typical."),
            SampleOption("guidance_rescale", "float", 0.0, 0.0, 1.0,
                         help="Tames over-saturated colours at high guidance (0: off, 0.7 is typical)."),
            SampleOption("guidance_start", "float", GUIDANCE_INTERVAL[0], 0.0, 1.0, drawn_before=(0.0,),
                         help="Guide by the prompt only from this far into the denoising (0: from pure noise). "
                              "Leaving the noisiest steps unguided keeps more variety."),
            SampleOption("guidance_end", "float", GUIDANCE_INTERVAL[1], 0.0, 1.0, drawn_before=(1.0,),
                         help="Guide by the prompt only until this far into the denoising (1: to the clean image). "
                              "The last steps only sharpen details; unguided they cost half as much."),
            SampleOption("eta", "float", 0.0, 0.0, 1.0, help="DDIM only: 0 deterministic, 1 as random as DDPM."),
            SampleOption("negative", "str", "", help="What the images should not look like (a negative prompt)."),
        ] + ([
            SampleOption("guidance_kind", "choice", GUIDANCE_KINDS[0], choices=GUIDANCE_KINDS,
                         help="classifier-free: the model's own prompt guidance; classifier: an unprompted model "
                              "steered by the noisy classifier's gradient; both: the two together."),
            SampleOption("classifier_scale", "float", DEFAULT_CLASSIFIER_SCALE, 0.0, 100.0,
                         help="How strongly the classifier steers (guidance kind classifier or both): 0 not at all."),
        ] if "guidance_kind" in inspect.signature(cls.sample).parameters else [])

    def guided_prediction(self, unet: nn.Module, x: torch.Tensor, t: torch.Tensor, cond, uncond,
                          guidance: float, rescale: float = 0.0) -> torch.Tensor:
        """Classifier-free guidance, u + g (c - u) (https://arxiv.org/abs/2207.12598, eq. 6), the conditional and
        unconditional passes batched in one forward; rescale matches the guided output's std to the conditional
        one (https://arxiv.org/abs/2305.08891, eq. 15-16). In fp32 under a bf16 autocast too: only the U-Net's
        forward runs in bf16, the guidance and the sampler's updates do not."""
        if cond is None or uncond is None:
            return self._predict(unet, x, t, cond if uncond is None else uncond).float()
        both = tuple(torch.cat([c, u]) for c, u in zip(cond, uncond))
        c, u = self._predict(unet, torch.cat([x, x]), torch.cat([t, t]), both).float().chunk(2)
        guided = u + guidance * (c - u)
        if rescale > 0:
            dims = tuple(range(1, x.dim()))
            ratio = c.std(dim=dims, keepdim=True) / guided.std(dim=dims, keepdim=True).clamp(min=1e-8)
            guided = rescale * guided * ratio + (1 - rescale) * guided
        return guided

    def sample(self, n: int, *, seed: int, prompt: str | None = None, steps: int = 20, sampler: str = DEFAULT_SAMPLER,
               guidance: float = 3.0, guidance_rescale: float = 0.0, guidance_start: float = GUIDANCE_INTERVAL[0],
               guidance_end: float = GUIDANCE_INTERVAL[1], eta: float = 0.0, negative: str = "",
               guidance_kind: str = GUIDANCE_KINDS[0], classifier_scale: float = DEFAULT_CLASSIFIER_SCALE,
               **options) -> Iterator[Frame]:
        """n images, image i from seed + i; one Frame per step ("x0" extra: the predicted clean images)."""
        if options:
            raise ConfigError("sample.unknown_options", names=", ".join(options),
                              known=", ".join(o.name for o in self.sample_options()))
        return self.sample_prompts([prompt or ""] * n, seed=seed, steps=steps, sampler=sampler, guidance=guidance,
                                   guidance_rescale=guidance_rescale, guidance_start=guidance_start,
                                   guidance_end=guidance_end, eta=eta, negative=negative,
                                   guidance_kind=guidance_kind, classifier_scale=classifier_scale)

    @torch.inference_mode()
    def sample_prompts(self, prompts: Sequence[str], *, seed: int, steps: int = 20, sampler: str = DEFAULT_SAMPLER,
                       guidance: float = 3.0, guidance_rescale: float = 0.0, guidance_start: float = GUIDANCE_INTERVAL[0],
                       guidance_end: float = GUIDANCE_INTERVAL[1], eta: float = 0.0, negative: str = "",
                       guidance_kind: str = GUIDANCE_KINDS[0],
                       classifier_scale: float = DEFAULT_CLASSIFIER_SCALE) -> Iterator[Frame]:
        """Like sample() with one prompt per image.

        guidance_kind "classifier": the model gets only the negative prompt ("": unprompted) and the classifier's
        gradient toward each prompt steers it; "both": classifier-free guidance at `guidance` plus that gradient."""
        steps, guidance = _check_options(steps, sampler, guidance, guidance_rescale, eta)
        guided_at = guidance_interval(guidance_start, guidance_end, len(self.alphas_cumprod))
        classifier, weights, scale = self._classifier_guidance(prompts, guidance_kind, classifier_scale)
        unet, text = self._eval()
        n, size = len(prompts), self.data.image_size
        scheduler = make_scheduler(sampler, self.alphas_cumprod, self.config.prediction, eta)
        scheduler.set_timesteps(steps)
        generators = [torch.Generator().manual_seed(int(seed) + i) for i in range(n)]   # image i: seed + i
        x = noise_like(torch.empty(n, self.data.channels, size, size, device=self.device), generators)
        cond = uncond = None
        if self.conditional:
            cond = self.encode_text(prompts, text) if guidance != 0 and guidance_kind != "classifier" else None
            uncond = self.encode_text([negative or ""] * n, text) if guidance != 1 or cond is None else None
            if cond is not None and uncond is not None and all(p == (negative or "") for p in prompts):
                uncond = None           # prompt == negative: guidance changes nothing, one pass is enough
        for i, t in enumerate(scheduler.timesteps.tolist()):
            tt = torch.full((n,), t, device=self.device, dtype=torch.long)
            unguided = cond is not None and not guided_at(t)      # outside the interval: conditional only
            output = self.guided_prediction(unet, x, tt, cond, None if unguided else uncond, guidance, guidance_rescale)
            if scale:
                output = self._classifier_guided(output, classifier, x, tt, weights, scale)
            result = scheduler.step(output, t, x, generator=generators)
            x = result.prev_sample
            yield Frame(images=to_uint8_images(x), step=i + 1, total=steps,
                        label=Message("frame.step", step=i + 1, steps=steps),
                        extras={"x0": to_uint8_images(result.pred_original_sample)})

    def _classifier_guidance(self, prompts: Sequence[str], kind: str, scale: float):
        """(classifier, target weights, scale) for the sampling loop; scale 0 for classifier-free guidance or
        scale 0, so nothing is computed. Raises a clear error when the kind needs a classifier this run lacks."""
        if kind not in GUIDANCE_KINDS:
            raise ConfigError("config.one_of", name="guidance_kind", choices=", ".join(GUIDANCE_KINDS), value=kind)
        if not 0 <= float(scale) <= 100:
            raise ConfigError("config.between", name="classifier_scale", low=0, high=100, value=scale)
        if kind == "classifier-free":
            return None, None, 0.0
        weights = self.targets.from_prompts(prompts) if self.targets is not None else None
        check_guidance_targets(self.targets, weights)
        if not float(scale):
            return None, None, 0.0
        return self.eval_module("classifier").eval(), weights.to(self.device), float(scale)

    def _classifier_guided(self, output: torch.Tensor, classifier: nn.Module, x: torch.Tensor, t: torch.Tensor,
                           weights: torch.Tensor, scale: float) -> torch.Tensor:
        """The model output with classifier guidance, eps_hat = eps - sqrt(1 - ab) * scale * grad log p(y | x_t)
        (Dhariwal & Nichol 2021, https://arxiv.org/abs/2105.05233, eq. 14), in the output's terms: eps = sqrt(1 - ab)
        x_t + sqrt(ab) v, so v moves by the eps change / sqrt(ab)."""
        grad = guidance_gradient(classifier, self.targets, x, t, weights)
        ab = self._ab(t)
        shift = -(1 - ab).sqrt() * scale * grad
        if self.config.prediction == "v":
            shift = shift / ab.sqrt()
        return output + shift

    def preview(self, batch: Batch, *, seed: int = 0, n: int = 16) -> Iterator[Frame]:
        """A 10-step sample (the default sampler, guidance 3) of 8 images prompted with the preview images' captions."""
        texts = self.captions(batch) or [""]
        prompts = [texts[i % len(texts)] for i in range(min(n, 8))]
        return self.sample_prompts(prompts, seed=seed, steps=10, sampler=DEFAULT_SAMPLER, guidance=3.0)


def _first(batch: Batch, n: int) -> Batch:
    return Batch(images=batch.images[:n], labels=None if batch.labels is None else batch.labels[:n],
                 captions=None if batch.captions is None else batch.captions[:n])


def guidance_interval(start: float, end: float, timesteps: int) -> Callable[[int], bool]:
    """Whether a step at timestep t gets classifier-free guidance: where its progress through the denoising,
    1 - t / timesteps (0: pure noise, 1: clean), lies in [start, end]. Outside, the step is conditional only
    (guidance 1), one pass instead of two (guidance in a limited interval, https://arxiv.org/abs/2404.07724)."""
    start, end = float(start), float(end)
    if not 0 <= start <= end <= 1:
        raise ConfigError("sample.bad_guidance_interval", start=start, end=end)
    if start == 0 and end == 1:
        return lambda t: True
    return lambda t: start <= 1 - int(t) / timesteps <= end


def _check_options(steps, sampler, guidance, rescale, eta) -> tuple[int, float]:
    if sampler not in SAMPLERS:
        raise ConfigError("sample.unknown_sampler", sampler=sampler, choices=", ".join(SAMPLERS))
    if int(steps) != steps or not 1 <= int(steps) <= 1000:
        raise ConfigError("sample.bad_steps", steps=steps)
    if not 0 <= float(guidance) <= 100 or not 0 <= float(rescale) <= 1 or not 0 <= float(eta) <= 1:
        raise ConfigError("sample.bad_guidance")
    return int(steps), float(guidance)


def _discretized_gaussian_log_likelihood(x: torch.Tensor, mean: torch.Tensor, log_std: float) -> torch.Tensor:
    """log p(x) per value for x in [-1, 1] quantised to 256 levels, under N(mean, std^2) integrated over each
    value's bin, with open-ended edge bins (DDPM sec. 3.3; improved DDPM's `discretized_gaussian_log_likelihood`)."""
    inv_std = math.exp(-log_std)
    cdf_plus = torch.special.ndtr(inv_std * (x - mean + 1 / 255))
    cdf_min = torch.special.ndtr(inv_std * (x - mean - 1 / 255))
    log_cdf_plus = cdf_plus.clamp(min=1e-12).log()
    log_one_minus_cdf_min = (1 - cdf_min).clamp(min=1e-12).log()
    log_delta = (cdf_plus - cdf_min).clamp(min=1e-12).log()
    return torch.where(x < -0.999, log_cdf_plus, torch.where(x > 0.999, log_one_minus_cdf_min, log_delta))
