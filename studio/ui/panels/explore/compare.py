"""Explore's "Compare guidance": the same seed and prompt drawn under each guidance kind a family offers
(classifier-free, classifier, both), one row per kind, so the difference is the guidance alone.

Offered where the family has a "guidance_kind" sampling option (diffusion with its noisy classifier).
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from studio.engine import Frame, sample_frames

GUIDANCE_KIND = "guidance_kind"


def guidance_kinds(family) -> tuple[str, ...]:
    """The guidance kinds this model can draw with; () when its family has no such choice. A run trained without
    a noisy classifier (no labels or captions, or `classifier` off) has only classifier-free guidance."""
    if family is None:
        return ()
    for option in family.sample_options():
        if option.name == GUIDANCE_KIND and option.kind == "choice":
            if getattr(family, "classifier", True) is None:
                return tuple(kind for kind in option.choices if kind == "classifier-free")
            return tuple(option.choices)
    return ()


def compare_frames(family, n: int, seed: int, prompt: str | None, options: dict, precision=None,
                   kinds: tuple[str, ...] | None = None) -> Iterator[Frame]:
    """sample_frames() once per guidance kind with the same seed, prompt and other options. Each Frame shows the
    finished rows of the kinds before and the current kind's images live below them; the return value (as
    sample_frames') is the final images, (len(kinds) * n, H, W, C), row by row."""
    kinds = kinds or guidance_kinds(family)
    done: list[np.ndarray] = []
    for k, kind in enumerate(kinds):
        last = None
        frames = sample_frames(family, n, seed, prompt, {**options, GUIDANCE_KIND: kind}, precision)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            last = frame
            yield Frame(images=np.concatenate([*done, frame.images]), step=k * frame.total + frame.step,
                        total=len(kinds) * frame.total)
        done.append(last.images)
    return [np.concatenate(done)]
