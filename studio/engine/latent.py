"""Moving through a latent space: interpolation, slider sweeps, and directions fitted to the user's data.

Shared by every family that can `decode` (VAE, VQ-VAE, GAN, flow, ...). Latents
are float32 numpy arrays of any shape; a batch is (N, *latent_shape).

    strip = interpolation_strip(family, z_a, z_b, steps=8, mode="slerp")   # (8, H, W, C) uint8
    for frame in interpolation_frames(family, z_a, z_b, steps=8): ...       # one Frame per step, to play or export
    stats = LatentStatistics.fit(latents, labels, label_names, captions)     # at checkpoint time
    directions = stats.directions()                                          # attribute + principal directions
    strip = preview_strip(family, directions[0], steps=7)                    # the slider's range, decoded

A slider's value is the latent's coordinate along a unit direction v: moving
the slider to t gives z + (t - z.v) v, so an encoded image starts at its own
value and the range (the 2nd-98th percentile of the dataset's coordinates)
means the same thing for every image.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterator, Mapping, Sequence

import numpy as np
import torch

from studio.engine.data import NO_LABEL
from studio.engine.families.base import LATENT, Frame, LatentDirection, seeded_normal
from studio.engine.messages import Message
from studio.engine.text import words

MIN_IMAGES_PER_SIDE = 8        # an attribute needs this many images with it and without it
MAX_ATTRIBUTES = 24            # attribute sliders kept, the clearest first
MAX_PRINCIPAL = 8              # principal directions kept
RANGE_PERCENTILES = (2.0, 98.0)


# -- interpolation ---------------------------------------------------------------------------
def lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Straight line from a (t=0) to b (t=1)."""
    return ((1.0 - t) * np.asarray(a, np.float32) + t * np.asarray(b, np.float32)).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation (Shoemake 1985; for GAN/VAE latents, White 2016, https://arxiv.org/abs/1609.04468).

    Gaussian latents live near a sphere of radius sqrt(D); the straight line
    between two of them passes through the low-norm middle the decoder rarely
    saw. Slerp follows the great circle, interpolating the norm linearly.
    """
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    shape = np.shape(a)
    if na < 1e-8 or nb < 1e-8:
        return lerp(a, b, t).reshape(shape)
    cos = float(np.clip(np.dot(a / na, b / nb), -1.0, 1.0))
    omega = np.arccos(cos)
    if omega < 1e-4:                                   # (nearly) the same direction: lerp is exact enough
        return lerp(a, b, t).reshape(shape)
    unit = (np.sin((1 - t) * omega) * a / na + np.sin(t * omega) * b / nb) / np.sin(omega)
    return (unit * ((1 - t) * na + t * nb)).astype(np.float32).reshape(shape)


def interpolation_latents(a: np.ndarray, b: np.ndarray, steps: int, mode: str = "slerp") -> np.ndarray:
    """(steps, *a.shape) latents from a to b, both ends included."""
    if steps < 2:
        raise ValueError(f"an interpolation needs at least 2 steps, not {steps}")
    if mode not in ("slerp", "lerp"):
        raise ValueError(f"interpolation mode must be slerp or lerp, not {mode!r}")
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    if a.shape != b.shape:
        raise ValueError(f"the two latents differ in shape: {a.shape} and {b.shape}")
    blend = slerp if mode == "slerp" else lerp
    flat = [blend(a.ravel(), b.ravel(), t).reshape(a.shape) for t in np.linspace(0.0, 1.0, steps)]
    return np.stack(flat).astype(np.float32)


def interpolation_strip(family, a: np.ndarray, b: np.ndarray, steps: int = 8, mode: str = "slerp") -> np.ndarray:
    """(steps, H, W, C) uint8: the decoded images along the path from latent a to latent b."""
    return family.decode(interpolation_latents(a, b, steps, mode))


def interpolation_frames(family, a: np.ndarray, b: np.ndarray, steps: int = 8, mode: str = "slerp") -> Iterator[Frame]:
    """One Frame per step of the path (images (1, H, W, C)), for the app to play or export as an animation."""
    images = interpolation_strip(family, a, b, steps, mode)
    for i, image in enumerate(images):
        t = i / (steps - 1)
        yield Frame(images=image[None], step=i + 1, total=steps, label=Message("frame.interpolation", t=t))


def latent_for_seed(family, seed: int, prompt: str | None = None) -> np.ndarray:
    """One latent (latent_shape) for a seed: the family's own sampling noise where it has a
    Gaussian latent space, else the encoding of the image it samples for that seed."""
    if LATENT in family.capabilities:
        return seeded_normal(1, tuple(family.latent_shape), seed)[0].numpy()
    *_, last = family.sample(1, seed=seed, prompt=prompt)
    return family.encode(last.images)[0]


# -- sliders ---------------------------------------------------------------------------------
def project(latents: np.ndarray, direction: LatentDirection) -> np.ndarray:
    """(N,) slider values: each latent's coordinate along the direction."""
    flat = np.asarray(latents, np.float32).reshape(-1, direction.vector.size)
    return flat @ direction.vector.ravel()


def move_along(latent: np.ndarray, direction: LatentDirection, value: float) -> np.ndarray:
    """One latent with its coordinate along the direction set to `value` (the rest unchanged)."""
    z = np.asarray(latent, np.float32)
    v = direction.vector.reshape(z.shape)
    current = float(z.ravel() @ v.ravel())
    return (z + (value - current) * v).astype(np.float32)


def slider_values(direction: LatentDirection, steps: int) -> np.ndarray:
    """`steps` evenly spaced values across the direction's range."""
    return np.linspace(direction.low, direction.high, steps).astype(np.float32)


def sweep_latents(latent: np.ndarray, direction: LatentDirection, steps: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """(values (steps,), latents (steps, *shape)): the latent moved across the direction's range."""
    values = slider_values(direction, steps)
    return values, np.stack([move_along(latent, direction, v) for v in values])


def preview_strip(family, direction: LatentDirection, latent: np.ndarray | None = None, steps: int = 7) -> np.ndarray:
    """(steps, H, W, C) uint8: what the slider does, from `latent` (default: the direction's origin,
    the dataset's mean latent where known, else zero)."""
    if latent is None:
        latent = direction.origin if direction.origin is not None else np.zeros_like(direction.vector)
    _, latents = sweep_latents(latent, direction, steps)
    return family.decode(latents)


# -- directions fitted to a dataset ----------------------------------------------------------------
@dataclass(frozen=True)
class LatentStatistics:
    """What an encoded dataset says about a latent space: its mean, principal
    directions and attribute directions, each with a range fitted to the data.

    Kept in checkpoints as tensors (`to_tensors` / `from_tensors`); names travel
    as UTF-8 JSON bytes in a uint8 tensor, never pickled.
    """

    mean: np.ndarray                                   # (D,)
    principal: np.ndarray                              # (P, D) unit rows
    principal_share: np.ndarray                        # (P,) share of the variance each explains
    principal_ranges: np.ndarray                       # (P, 2)
    attributes: np.ndarray                             # (A, D) unit rows
    attribute_ranges: np.ndarray                       # (A, 2)
    attribute_names: tuple[str, ...] = ()
    attribute_counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))  # (A, 2) with / without
    dimension_ranges: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.float32))  # (D, 2)

    @classmethod
    def fit(cls, latents: np.ndarray, labels: np.ndarray | None = None, label_names: Sequence[str] = (),
            captions: Sequence[str] = (), min_images: int = MIN_IMAGES_PER_SIDE) -> "LatentStatistics":
        """Fit to the (N, D) latents of a dataset (posterior means for a VAE)."""
        z = np.asarray(latents, np.float64).reshape(len(latents), -1)
        mean = z.mean(0)
        principal, share = _principal_directions(z - mean)
        names, vectors, counts = _attribute_directions(z, _tags(len(z), labels, label_names, captions), min_images)
        return cls(
            mean=mean.astype(np.float32), principal=principal, principal_share=share,
            principal_ranges=_ranges(z @ principal.T.astype(np.float64)),
            attributes=vectors, attribute_ranges=_ranges(z @ vectors.T.astype(np.float64)),
            attribute_names=tuple(names), attribute_counts=counts, dimension_ranges=_ranges(z))

    def directions(self) -> list[LatentDirection]:
        """Attribute directions (named after the user's labels and words), then principal ones."""
        origin = self.mean.astype(np.float32)
        out = []
        for name, vector, (low, high), (n_with, n_without) in zip(
                self.attribute_names, self.attributes, self.attribute_ranges, self.attribute_counts):
            out.append(LatentDirection(name=name, vector=vector.astype(np.float32), low=float(low), high=float(high),
                                       kind="attribute", origin=origin,
                                       help=Message("direction.attribute_help", with_count=int(n_with), name=name,
                                                    without_count=int(n_without))))
        for i, (vector, share, (low, high)) in enumerate(zip(self.principal, self.principal_share, self.principal_ranges)):
            out.append(LatentDirection(name=Message("direction.principal", index=i + 1, percent=share * 100),
                                       vector=vector.astype(np.float32),
                                       low=float(low), high=float(high), kind="principal", origin=origin,
                                       help=Message("direction.principal_help")))
        return out

    def to_tensors(self, prefix: str = "latent.") -> dict[str, torch.Tensor]:
        arrays = {"mean": self.mean, "principal": self.principal, "principal_share": self.principal_share,
                  "principal_ranges": self.principal_ranges, "attributes": self.attributes,
                  "attribute_ranges": self.attribute_ranges, "attribute_counts": self.attribute_counts,
                  "dimension_ranges": self.dimension_ranges}
        tensors = {prefix + k: torch.from_numpy(np.ascontiguousarray(v, np.float32)) for k, v in arrays.items()}
        names = json.dumps(list(self.attribute_names)).encode("utf-8")
        tensors[prefix + "attribute_names"] = torch.frombuffer(bytearray(names), dtype=torch.uint8).clone()
        return tensors

    @classmethod
    def from_tensors(cls, tensors: Mapping[str, torch.Tensor], prefix: str = "latent.") -> "LatentStatistics | None":
        """The statistics a checkpoint holds, or None when it has none (or they do not fit together)."""
        if prefix + "mean" not in tensors:
            return None
        arrays = {k[len(prefix):]: v.detach().cpu().numpy() for k, v in tensors.items() if k.startswith(prefix)}
        try:
            names = tuple(json.loads(bytes(arrays.pop("attribute_names").astype(np.uint8)).decode("utf-8")))
            stats = cls(attribute_names=names, **{k: v.astype(np.float32) for k, v in arrays.items()})
        except (KeyError, TypeError, ValueError):
            return None
        return stats if len(stats.attribute_names) == len(stats.attributes) else None


def _ranges(projections: np.ndarray) -> np.ndarray:
    """(K, 2) float32: the 2nd and 98th percentile of each column of (N, K) projections."""
    if projections.shape[1] == 0 or len(projections) == 0:
        return np.zeros((projections.shape[1], 2), np.float32)
    low, high = np.percentile(projections, RANGE_PERCENTILES, axis=0)
    high = np.maximum(high, low + 1e-3)
    return np.stack([low, high], axis=1).astype(np.float32)


def _principal_directions(centred: np.ndarray, keep: int = MAX_PRINCIPAL) -> tuple[np.ndarray, np.ndarray]:
    """(P, D) unit principal axes (sign: largest entry positive) and (P,) variance shares."""
    if len(centred) < 2:
        return np.zeros((0, centred.shape[1]), np.float32), np.zeros(0, np.float32)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    variance = s ** 2
    keep = min(keep, int((variance > 1e-12 * max(variance.max(), 1e-30)).sum()))
    axes = vt[:keep] * np.sign(vt[:keep][np.arange(keep), np.abs(vt[:keep]).argmax(1)])[:, None]
    return axes.astype(np.float32), (variance[:keep] / variance.sum()).astype(np.float32)


def _tags(n: int, labels: np.ndarray | None, label_names: Sequence[str], captions: Sequence[str]) -> list[set[str]]:
    """Per image, the set of names it carries: its label name and its caption's words."""
    tags = [set() for _ in range(n)]
    if labels is not None and len(label_names):
        for i, label in enumerate(np.asarray(labels)[:n]):
            if 0 <= int(label) < len(label_names) and label_names[int(label)] != NO_LABEL:
                tags[i].add(str(label_names[int(label)]))
    for i, caption in enumerate(list(captions)[:n]):
        tags[i].update(words(caption or ""))
    return tags


def _attribute_directions(z: np.ndarray, tags: list[set[str]], min_images: int,
                          keep: int = MAX_ATTRIBUTES) -> tuple[list[str], np.ndarray, np.ndarray]:
    """For each name with at least `min_images` images on each side: mean(with) - mean(without), unit length.

    Ranked by how well the direction separates the two groups (difference of
    the group means along it over the pooled spread), clearest first.
    """
    candidates = []
    for name in sorted(set().union(*tags)) if tags else []:
        has = np.array([name in t for t in tags])
        n_with, n_without = int(has.sum()), int((~has).sum())
        if n_with < min_images or n_without < min_images:
            continue
        diff = z[has].mean(0) - z[~has].mean(0)
        norm = np.linalg.norm(diff)
        if norm < 1e-8:
            continue
        vector = diff / norm
        proj = z @ vector
        spread = np.sqrt(0.5 * (proj[has].var() + proj[~has].var())) + 1e-8
        candidates.append((norm / spread, name, vector, (n_with, n_without)))
    candidates.sort(key=lambda c: (-c[0], c[1]))
    candidates = candidates[:keep]
    dim = z.shape[1]
    vectors = np.array([c[2] for c in candidates], np.float32).reshape(-1, dim)
    counts = np.array([c[3] for c in candidates], np.float32).reshape(-1, 2)
    return [c[1] for c in candidates], vectors, counts


def encode_dataset(family, images: np.ndarray, batch: int = 256, limit: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """((N, D) float32 latents, (N,) indices) of up to `limit` images evenly spaced through the set."""
    idx = np.linspace(0, len(images) - 1, min(limit, len(images))).round().astype(int) if len(images) else np.zeros(0, int)
    parts = [family.encode(images[idx[i:i + batch]]).reshape(len(idx[i:i + batch]), -1) for i in range(0, len(idx), batch)]
    return (np.concatenate(parts) if parts else np.zeros((0, int(np.prod(family.latent_shape))), np.float32)), idx
