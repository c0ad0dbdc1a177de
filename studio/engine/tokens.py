"""Writing a grid of tokens one by one with a causal transformer: the VQ-VAE's prior (image codes) and Image GPT
(palette colours) sample the same way.

Each image draws from its own seed (image i from seed + i: one uniform per token, inverse-CDF sampling), so an
image does not depend on the others in its batch; classifier-free guidance (Ho & Salimans 2022,
https://arxiv.org/abs/2207.12598, eq. 6) runs the prompt and the empty prompt as one batch of 2n.
"""
from __future__ import annotations

from typing import Callable, Iterator

import torch


def seed_uniforms(n: int, tokens: int, seed: int, device: torch.device) -> torch.Tensor:
    """(n, tokens) uniforms in [0, 1): row i from seed + i, drawn on the CPU so they are the same on any device."""
    if not n:
        return torch.zeros(0, tokens, device=device)
    return torch.stack([torch.rand(tokens, generator=torch.Generator().manual_seed(int(seed) + i))
                        for i in range(n)]).to(device)


def pick(logits: torch.Tensor, uniform: torch.Tensor, temperature: float, top_k: int) -> torch.Tensor:
    """(n, K) logits -> (n,) tokens by inverse-CDF sampling with one given uniform per image, after temperature
    and top-k; temperature 0 takes the likeliest."""
    if temperature <= 0:
        return logits.argmax(1)
    logits = logits / temperature
    if 0 < top_k < logits.shape[1]:
        kth = logits.topk(top_k, dim=1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    cdf = logits.softmax(1).cumsum(1)                                      # (n, K)
    picked = torch.searchsorted(cdf, (uniform[:, None] * cdf[:, -1:]).contiguous())
    return picked.squeeze(1).clamp(max=logits.shape[1] - 1)


def write_tokens(start: Callable[[], torch.Tensor], extend: Callable[[torch.Tensor, int], torch.Tensor], *,
                 uniforms: torch.Tensor, row_length: int, temperature: float, top_k: int, guidance: float,
                 guided: bool) -> Iterator[tuple[int, torch.Tensor]]:
    """(rows written, (n, tokens) tokens so far) after each row. `start()` reads the prompt(s) and gives the
    first token's logits ((n, K), or (2n, K) when `guided`: the prompt's, then the empty prompt's);
    `extend(tokens, j)` feeds token j ((n,) or repeated to (2n,)) and gives the next logits."""
    n, count = uniforms.shape
    tokens = torch.zeros(n, count, dtype=torch.long, device=uniforms.device)
    logits = start()
    for j in range(count):
        if guided:
            cond, uncond = logits.float().chunk(2)
            logits = uncond + float(guidance) * (cond - uncond)
        tokens[:, j] = pick(logits.float(), uniforms[:, j], float(temperature), int(top_k))
        if j + 1 < count:
            logits = extend(tokens[:, j].repeat(2 if guided else 1), j)
        if (j + 1) % row_length == 0:
            yield (j + 1) // row_length, tokens
