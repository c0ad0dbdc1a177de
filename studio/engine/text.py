"""Text for prompt-conditioned families: a word tokenizer built from the
dataset's own captions and label names, and a small transformer text encoder
trained jointly with the image model.

There is no pretrained text model here (nothing is downloaded): the vocabulary
is exactly the words the dataset uses, saved in the run folder (DataInfo.vocabulary),
and a prompt word the model never saw is reported, never a crash.

    tokenizer = Tokenizer(data.vocabulary)
    ids, unknown = tokenizer.encode_batch(["small red circle", ""], length=16)  # (B, T) int64
    tokens, pooled, mask = TextEncoder(tokenizer.size)(ids)                    # (B, T, D), (B, D), (B, T)
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Sequence

import torch
from torch import nn

from studio.engine.nn import attention

PAD, UNK, BOS = 0, 1, 2
SPECIALS = ("<pad>", "<unk>", "<bos>")

# A CJK character is a word of its own (Chinese captions have no spaces);
# otherwise a word is a run of letters and digits.
_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W_\u3400-\u9fff\uf900-\ufaff]+")


def words(text: str) -> list[str]:
    """The lower-cased words of a caption or prompt, punctuation dropped."""
    return _WORD.findall(text.lower())


def build_vocabulary(texts: Iterable[str], max_words: int = 4096) -> tuple[str, ...]:
    """The dataset's words, most frequent first (ties alphabetical), at most `max_words`."""
    counts = Counter(w for text in texts for w in words(text))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(w for w, _ in ranked[:max_words])


class Tokenizer:
    """Words -> ids. Id 0 pads, 1 is an unknown word, 2 begins every sequence."""

    def __init__(self, vocabulary: Sequence[str]):
        self.vocabulary = tuple(vocabulary)
        self._ids = {w: i + len(SPECIALS) for i, w in enumerate(self.vocabulary)}

    @property
    def size(self) -> int:
        """Number of ids, specials included (the embedding table's rows)."""
        return len(self.vocabulary) + len(SPECIALS)

    def unknown_words(self, text: str) -> list[str]:
        """Words of `text` the vocabulary lacks, in order, each once."""
        return list(dict.fromkeys(w for w in words(text) if w not in self._ids))

    def encode(self, text: str, length: int) -> list[int]:
        """[BOS, word ids..., PAD...] cut or padded to `length`."""
        ids = [BOS] + [self._ids.get(w, UNK) for w in words(text)]
        return (ids + [PAD] * length)[:length]

    def encode_batch(self, texts: Sequence[str], length: int) -> tuple[torch.Tensor, list[str]]:
        """(B, length) int64 ids and the unknown words of all texts (each once)."""
        ids = torch.tensor([self.encode(t, length) for t in texts], dtype=torch.long).reshape(len(texts), length)
        unknown = list(dict.fromkeys(w for t in texts for w in self.unknown_words(t)))
        return ids, unknown


def image_texts(captions: Sequence[str] | None, labels: Sequence[int] | None, label_names: Sequence[str],
                n: int) -> list[str]:
    """What each of n images says: its caption, or its label's name where it has no caption ("" for neither)."""
    texts = list(captions) if captions is not None else [""] * n
    if labels is not None and label_names:
        texts = [t or label_names[int(label)] for t, label in zip(texts, labels)]
    return texts


def known_ids(tokenizer: Tokenizer, texts: Sequence[str], length: int) -> torch.Tensor:
    """(B, length) ids of the words of each text the tokenizer knows; the others are left out, not <unk>
    (a model that never saw a word learns nothing from its id: the caller names them, e.g. prompt_warnings)."""
    known = set(tokenizer.vocabulary)
    return tokenizer.encode_batch([" ".join(w for w in words(t or "") if w in known) for t in texts], length)[0]


class _Block(nn.Module):
    """Pre-LayerNorm transformer block: self-attention over the prompt, then an MLP."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:  # x (B, T, D), mask (B, T)
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attn = attention(q, k, v, mask[:, None, None, :])                      # (B, h, T, d/h)
        x = x + self.proj(attn.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.norm2(x))


class TextEncoder(nn.Module):
    """A small transformer over word ids.

    Returns per-token features for cross-attention, a pooled vector (the
    features at BOS) to add to a time or class embedding, and the mask of real
    tokens. The empty prompt is [BOS] alone, so it is a valid sequence and
    its encoding is the "unconditional" embedding classifier-free guidance needs.
    """

    def __init__(self, vocab_size: int, dim: int = 128, depth: int = 2, heads: int = 4, max_len: int = 16):
        super().__init__()
        if dim % heads:
            raise ValueError(f"text dim {dim} must be a multiple of heads {heads}")
        self.max_len = max_len
        self.embed = nn.Embedding(vocab_size, dim)
        self.position = nn.Parameter(torch.zeros(max_len, dim))
        nn.init.normal_(self.embed.weight, std=0.02)
        nn.init.normal_(self.position, std=0.02)
        self.blocks = nn.ModuleList(_Block(dim, heads) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        ids = ids[:, : self.max_len]                          # (B, T)
        mask = ids != PAD                                     # (B, T); BOS is never PAD
        x = self.embed(ids) + self.position[: ids.shape[1]]   # (B, T, D)
        for block in self.blocks:
            x = block(x, mask)
        x = self.norm(x)
        return x, x[:, 0], mask
