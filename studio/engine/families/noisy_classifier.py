"""The noise-conditional classifier of classifier guidance (Dhariwal & Nichol 2021, https://arxiv.org/abs/2105.05233).

A small conv net reads a noisy image x_t and its timestep t and predicts what the image shows: its class (softmax
over the label names) on a labelled set without captions, else its caption words (a multi-label bag, one sigmoid
per vocabulary word). Trained beside the diffusion model on the same x_t and t, its gradient steers sampling:
    eps_hat = eps - sqrt(1 - alpha_bar_t) * scale * grad_x log p(y | x_t, t)      (Dhariwal & Nichol, eq. 14)
Its accuracy by noise level (`noisy_accuracy`) shows why: at low noise it sees the class, at high noise nothing.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from studio.engine.families.base import ConfigError, DataInfo
from studio.engine.nn import Downsample, TimeResBlock, group_norm, timestep_embedding
from studio.engine.samplers import noise_like, q_sample
from studio.engine.text import words

LABELS, WORDS = "labels", "words"
# Noise levels of the accuracy report, as fractions of T: low (a little noise), mid, high (almost only noise).
ACCURACY_LEVELS = {"low": 0.1, "mid": 0.5, "high": 0.9}
ACCURACY_SEED = 4321


def target_kind(data: DataInfo) -> str | None:
    """What a classifier on this data predicts: caption words where there are captions, else labels, else None."""
    if data.has_captions and data.vocabulary:
        return WORDS
    if data.label_names:
        return LABELS
    return None


class NoisyClassifier(nn.Module):
    """x_t (B, C, H, W) and t (B,) -> logits (B, outputs). Time-modulated residual blocks, halving the size per
    level down to 4x4 (a stride-2 stem from 32 px up keeps it cheap beside the U-Net), then mean pooling."""

    def __init__(self, channels: int, image_size: int, outputs: int, width: int = 32):
        super().__init__()
        self.width = width
        emb = 4 * width
        self.time = nn.Sequential(nn.Linear(width, emb), nn.SiLU(), nn.Linear(emb, emb))
        stride = 2 if image_size >= 32 else 1
        self.stem = nn.Conv2d(channels, width, 3, stride=stride, padding=1)
        side, c = image_size // stride, width
        self.blocks = nn.ModuleList()
        self.downs = nn.ModuleList()
        while True:
            out = min(2 * c, 2 * width)
            self.blocks.append(TimeResBlock(c, out, emb))
            c = out
            if side <= 4:
                break
            self.downs.append(Downsample(c))
            side = (side + 1) // 2
        self.norm = group_norm(c)
        self.head = nn.Linear(c, outputs)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = F.silu(self.time(timestep_embedding(t, self.width)))
        h = self.stem(x)
        for i, block in enumerate(self.blocks):
            h = block(h, emb)
            if i < len(self.downs):
                h = self.downs[i](h)
        return self.head(F.silu(self.norm(h)).mean(dim=(2, 3)))


class Targets:
    """What the classifier of one dataset predicts, and how labels, captions and prompts become its targets."""

    def __init__(self, data: DataInfo):
        self.kind = target_kind(data)
        self.names = {LABELS: tuple(data.label_names), WORDS: tuple(data.vocabulary)}.get(self.kind, ())
        self._index = {name.lower(): i for i, name in enumerate(self.names)}

    @property
    def size(self) -> int:
        return len(self.names)

    def from_batch(self, labels: torch.Tensor | None, texts: Sequence[str], device) -> torch.Tensor | None:
        """Training targets: (B,) class indices, or (B, V) multi-hot words; None when the batch has none."""
        if self.kind == LABELS:
            return None if labels is None else labels.to(device)
        return self.multi_hot(texts, device)

    def multi_hot(self, texts: Sequence[str], device) -> torch.Tensor:
        out = torch.zeros(len(texts), self.size, device=device)
        for row, text in enumerate(texts):
            for w in set(words(text or "")):
                if w in self._index:
                    out[row, self._index[w]] = 1.0
        return out

    def from_prompts(self, prompts: Sequence[str]) -> torch.Tensor:
        """Guidance targets, (B, K) weights over the outputs: one-hot for a prompt that is a label name, the
        prompt's known words for captions; a row of zeros where a prompt names nothing the classifier knows."""
        if self.kind == WORDS:
            return self.multi_hot(prompts, "cpu")
        out = torch.zeros(len(prompts), self.size)
        for row, prompt in enumerate(prompts):
            wanted = self._index.get((prompt or "").strip().lower())
            if wanted is not None:
                out[row, wanted] = 1.0
        return out

    def loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Cross-entropy over classes, or per-word binary cross-entropy summed over the vocabulary."""
        logits = logits.float()
        if self.kind == LABELS:
            return F.cross_entropy(logits, target)
        return F.binary_cross_entropy_with_logits(logits, target, reduction="none").sum(1).mean()

    def log_prob(self, logits: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """(B,) log p(y | x_t) of the prompted class, or the sum of log p(word present) over the prompt's words."""
        logits = logits.float()
        log_p = logits.log_softmax(1) if self.kind == LABELS else F.logsigmoid(logits)
        return (log_p * weights).sum(1)

    def hits(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """(B,) 1/0 for the right class; for words, the share of the caption's words among the top k predicted
        (k: how many words the caption has); NaN where an image has no words."""
        if self.kind == LABELS:
            return (logits.argmax(1) == target).float()
        k = target.sum(1)
        ranks = logits.argsort(1, descending=True).argsort(1)           # 0 for the most likely word
        found = ((ranks < k[:, None]) & (target > 0)).sum(1).float()
        return torch.where(k > 0, found / k.clamp(min=1), torch.full_like(k, float("nan")))


def guidance_gradient(classifier: nn.Module, targets: Targets, x: torch.Tensor, t: torch.Tensor,
                      weights: torch.Tensor) -> torch.Tensor:
    """grad_x log p(y | x_t, t), (B, C, H, W) float32, also when called under torch.inference_mode (the weights
    run as plain copies: weights moved or re-laid out under inference mode are inference tensors autograd refuses)."""
    with torch.inference_mode(False), torch.enable_grad(), torch.autocast(x.device.type, enabled=False):
        xg = x.detach().float().clone().requires_grad_(True)
        state = {name: value.detach().clone() for name, value in classifier.state_dict(keep_vars=True).items()}
        logits = torch.func.functional_call(classifier, state, (xg, t.clone()))
        log_p = targets.log_prob(logits, weights.clone().to(x.device))
        (grad,) = torch.autograd.grad(log_p.sum(), xg)
    return grad


@torch.inference_mode()
def noisy_accuracy(classifier: nn.Module, targets: Targets, x0: torch.Tensor, labels: torch.Tensor | None,
                   texts: Sequence[str], alphas_cumprod: torch.Tensor) -> dict[str, float]:
    """The classifier's accuracy on images x0 (B, C, H, W in [-1, 1]) noised to each of ACCURACY_LEVELS (fixed
    noise), as {"low": ..., "mid": ..., "high": ...}; NaN when the images have no labels or words. Chance is 1 /
    classes for labels; for words about (caption words) / (vocabulary size)."""
    target = targets.from_batch(labels, texts, x0.device)
    if target is None:
        return {level: float("nan") for level in ACCURACY_LEVELS}
    generator = torch.Generator().manual_seed(ACCURACY_SEED)
    T = len(alphas_cumprod)
    out = {}
    for level, fraction in ACCURACY_LEVELS.items():
        t = torch.full((len(x0),), int(fraction * (T - 1)), device=x0.device)
        x_t = q_sample(x0.float(), t, noise_like(x0.float(), generator), alphas_cumprod)
        hits = targets.hits(classifier(x_t, t).float(), target)
        out[level] = float(hits.nanmean()) if hits.numel() else float("nan")
    return out


def check_guidance_targets(targets: Targets | None, weights: torch.Tensor | None) -> None:
    """Raise when classifier guidance cannot steer: no classifier, or no prompt it knows."""
    if targets is None:
        raise ConfigError("diffusion.no_classifier")
    if weights is None or not bool((weights.sum(1) > 0).any()):
        key = "diffusion.classifier_needs_label" if targets.kind == LABELS else "diffusion.classifier_needs_words"
        raise ConfigError(key, known=", ".join(targets.names[:20]))
