"""Does the feature network earn its place? Held-out real images, made gradually worse, must score worse.

The check scores five sets against the training images: the held-out images themselves (the floor),
slightly blurred, heavily blurred, their pixels shuffled (colours kept, structure gone) and uniform
noise. A network whose KID does not rise along that order cannot tell good samples from bad ones on
this data; the studio shows the check beside every result.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from studio.engine.evaluation.features import FeatureNetwork
from studio.engine.evaluation.metrics import kid, manifold_metrics

DEGRADATIONS = ("held-out", "slightly blurred", "heavily blurred", "shuffled pixels", "noise")


def blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of each (N, H, W, C) uint8 image, edges replicated."""
    radius = max(1, int(round(3 * sigma)))
    taps = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
    kernel = kernel / kernel.sum()
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float()
    c = x.shape[1]
    x = F.pad(x, (radius,) * 4, mode="replicate")
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    x = F.conv2d(x, kernel.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)
    return x.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def shuffle_pixels(images: np.ndarray, seed: int = 0) -> np.ndarray:
    """Each image's pixels in a random order of its own: the same colours, no shapes."""
    rng = np.random.default_rng(seed)
    n, h, w, c = images.shape
    flat = images.reshape(n, h * w, c)
    return np.stack([flat[i, rng.permutation(h * w)] for i in range(n)]).reshape(images.shape)


def degraded_sets(images: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """The five sets of DEGRADATIONS, made from `images` (blur widths grow with images above 32 px)."""
    size = images.shape[1]
    rng = np.random.default_rng(seed + 1)
    return {
        "held-out": images,
        "slightly blurred": blur(images, max(0.6, 0.7 * size / 32)),       # below ~0.5 px rounding undoes it
        "heavily blurred": blur(images, max(1.0, 1.5 * size / 32)),
        "shuffled pixels": shuffle_pixels(images, seed),
        "noise": rng.integers(0, 256, images.shape, dtype=np.uint8),
    }


@dataclass(frozen=True)
class CheckRow:
    name: str
    kid: float
    kid_std: float
    precision: float
    recall: float


@dataclass(frozen=True)
class DegradationCheck:
    """KID (and precision, recall) of each degraded set against the training images, in DEGRADATIONS order."""

    rows: tuple[CheckRow, ...]

    @property
    def passed(self) -> bool:
        """KID rises strictly from each set to the next."""
        kids = [row.kid for row in self.rows]
        return all(a < b for a, b in zip(kids, kids[1:]))


def degradation_check(network: FeatureNetwork, train_images: np.ndarray, heldout_images: np.ndarray,
                      seed: int = 0, limit: int = 1000) -> DegradationCheck:
    """Score the five degraded versions of the held-out images against (up to `limit`) training images."""
    rng = np.random.default_rng(seed)
    train = train_images[np.sort(rng.choice(len(train_images), min(limit, len(train_images)), replace=False))]
    train_features = network.features(train)
    rows = []
    for name, images in degraded_sets(heldout_images, seed).items():
        features = network.features(images)
        mean, std = kid(train_features, features, subsets=20, subset_size=len(features), seed=seed)
        manifold = manifold_metrics(train_features, features)
        rows.append(CheckRow(name, mean, std, manifold.precision, manifold.recall))
    return DegradationCheck(tuple(rows))
