"""Sample-quality metrics on feature vectors: two sets of (N, D) float arrays in, numbers out.

Every function takes features from the same network (studio.engine.evaluation.features) and is
deterministic for a given seed. Distances are Euclidean in feature space.

- KID (Bińkowski et al. 2018, arXiv 1801.01401): unbiased MMD² with the cubic polynomial kernel
  k(x, y) = (x·y / d + 1)³, averaged over random subsets; the spread over subsets says how much of
  a difference is noise. 0 means the two sets are alike.
- Precision and recall (Kynkäänniemi et al. 2019, arXiv 1904.06991): the share of generated samples
  inside the real set's k-NN manifold, and of real samples inside the generated set's.
- Density and coverage (Naeem et al. 2020, arXiv 2002.09797): how many real neighbourhoods a
  sample falls in, over k (≈1 when alike); the share of real neighbourhoods holding a sample.
- Memorisation (after Meehan et al. 2020, arXiv 2004.05675): a sample nearer to its nearest
  training image than nearly every held-out real image is to its own is likely a copy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

_CHUNK = 2048          # rows of a distance matrix computed at once (keeps memory at ~16 MB a chunk)


def _tensor(x: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x, dtype=np.float64))


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) Euclidean distances, in float64."""
    ta, tb = _tensor(a), _tensor(b)
    return torch.cat([torch.cdist(ta[i:i + _CHUNK], tb) for i in range(0, len(ta), _CHUNK)]).numpy()


def nearest(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row of a: (the index of its nearest row of b, the distance to it)."""
    ta, tb = _tensor(a), _tensor(b)
    index, dist = [], []
    for i in range(0, len(ta), _CHUNK):
        d = torch.cdist(ta[i:i + _CHUNK], tb)
        value, where = d.min(dim=1)
        index.append(where)
        dist.append(value)
    return torch.cat(index).numpy(), torch.cat(dist).numpy()


def knn_radii(x: np.ndarray, k: int) -> np.ndarray:
    """Each row's distance to its k-th nearest other row."""
    if len(x) <= k:
        raise ValueError(f"{len(x)} feature vectors are too few for k={k}")
    tx = _tensor(x)
    radii = [torch.cdist(tx[i:i + _CHUNK], tx).kthvalue(k + 1, dim=1).values for i in range(0, len(tx), _CHUNK)]
    return torch.cat(radii).numpy()                      # k + 1: a row's nearest row is itself, at 0


# -- KID ------------------------------------------------------------------------------------------------------
def _mmd2_unbiased(x: torch.Tensor, y: torch.Tensor) -> float:
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    m, n = len(x), len(y)
    return float((kxx.sum() - kxx.diagonal().sum()) / (m * (m - 1))
                 + (kyy.sum() - kyy.diagonal().sum()) / (n * (n - 1)) - 2 * kxy.mean())


def kid(real: np.ndarray, fake: np.ndarray, *, subsets: int = 50, subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float]:
    """(mean, standard deviation) of the unbiased MMD² over random subsets of both sets.

    A subset is at most half the smaller set's size when `subset_size` would take all of it (whole
    sets drawn every time would all be the same subset, and the spread would read 0 whatever the
    noise); the estimate is unbiased, so two samples of one distribution give values scattered
    around 0 (slightly negative ones included)."""
    smaller = min(len(real), len(fake))
    if smaller < 2:
        raise ValueError("KID needs at least 2 feature vectors on each side")
    size = subset_size if subset_size < smaller else max(2, smaller // 2)
    rng = np.random.default_rng(seed)
    tr, tf = _tensor(real), _tensor(fake)
    values = [_mmd2_unbiased(tr[rng.choice(len(tr), size, replace=False)], tf[rng.choice(len(tf), size, replace=False)])
              for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values))


# -- precision, recall, density, coverage --------------------------------------------------------------------------
@dataclass(frozen=True)
class Manifold:
    """Precision and recall (k = 3) and density and coverage (k = 5) of generated against real features."""

    precision: float
    recall: float
    density: float
    coverage: float


def manifold_metrics(real: np.ndarray, fake: np.ndarray, *, k_pr: int = 3, k_dc: int = 5) -> Manifold:
    """The four k-NN metrics of `fake` against `real` (the papers' usual k)."""
    d_rf = pairwise_distances(real, fake)                                   # (R, F)
    real_r3, fake_r3 = knn_radii(real, k_pr), knn_radii(fake, k_pr)
    precision = float((d_rf <= real_r3[:, None]).any(axis=0).mean())        # a sample inside some real ball
    recall = float((d_rf <= fake_r3[None, :]).any(axis=1).mean())           # a real image inside some sample ball
    real_r5 = knn_radii(real, k_dc)
    inside = d_rf <= real_r5[:, None]
    density = float(inside.sum(axis=0).mean() / k_dc)
    coverage = float((d_rf.min(axis=1) <= real_r5).mean())                  # a real ball holding its nearest sample
    return Manifold(precision, recall, density, coverage)


# -- diversity and memorisation -----------------------------------------------------------------------------------
def diversity(features: np.ndarray, *, pairs: int = 20000, seed: int = 0) -> float:
    """Mean distance between two different feature vectors of the set (random pairs)."""
    if len(features) < 2:
        return 0.0
    rng = np.random.default_rng(seed)
    i = rng.integers(0, len(features), pairs)
    j = (i + rng.integers(1, len(features), pairs)) % len(features)          # never a vector with itself
    return float(np.linalg.norm(np.asarray(features[i], np.float64) - features[j], axis=1).mean())


@dataclass(frozen=True)
class Memorisation:
    """How close samples come to the training images, against how close held-out real images come.

    share:      samples nearer to their nearest training image than `quantile` of held-out images are
                (held-out real images score `quantile` by construction: that is the floor)
    threshold:  that held-out distance
    nearest:    each sample's nearest training image (index into the training features) and distance
    """

    share: float
    threshold: float
    quantile: float
    nearest_index: np.ndarray
    nearest_distance: np.ndarray


def memorisation(samples: np.ndarray, train: np.ndarray, heldout: np.ndarray, *, quantile: float = 0.05) -> Memorisation:
    """Compare each sample's distance to the training set with held-out images' distances to it."""
    _, heldout_distance = nearest(heldout, train)
    threshold = float(np.quantile(heldout_distance, quantile))
    index, distance = nearest(samples, train)
    return Memorisation(float((distance < threshold).mean()), threshold, quantile, index, distance)
