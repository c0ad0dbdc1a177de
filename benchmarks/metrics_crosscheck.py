"""Our metrics against the libraries that compute them: torchmetrics' KID and prdc's precision, recall,
density and coverage, on the same feature arrays (Gaussian sets with known overlap).

    pip install torchmetrics prdc          # not dependencies of genstudio: this check only
    python benchmarks/metrics_crosscheck.py

prdc imports scikit-learn only for its pairwise distances: when scikit-learn is not installed the check
gives prdc a stand-in module with the same Euclidean distances (numpy), so its own code does the rest.
"""
from __future__ import annotations

import sys
import types

import numpy as np
import torch

from studio.engine.evaluation.metrics import kid, manifold_metrics


def _prdc():
    try:
        import sklearn.metrics  # noqa: F401
    except ImportError:                        # prdc's only use of scikit-learn: Euclidean pairwise distances
        def pairwise_distances(x, y=None, metric="euclidean", n_jobs=None):
            y = x if y is None else y
            return torch.cdist(torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)).numpy()
        sklearn = types.ModuleType("sklearn")
        sklearn.metrics = types.SimpleNamespace(pairwise_distances=pairwise_distances)
        sys.modules["sklearn"], sys.modules["sklearn.metrics"] = sklearn, sklearn.metrics
    from prdc import compute_prdc
    return compute_prdc


def torchmetrics_kid(real: np.ndarray, fake: np.ndarray, subsets: int, subset_size: int) -> tuple[float, float]:
    from torchmetrics.image.kid import KernelInceptionDistance

    class Identity(torch.nn.Module):           # the features are given: torchmetrics' custom `feature` module
        num_features = real.shape[1]

        def forward(self, x):
            return x

    metric = KernelInceptionDistance(feature=Identity(), subsets=subsets, subset_size=subset_size, normalize=True)
    metric.update(torch.as_tensor(real, dtype=torch.float64), real=True)
    metric.update(torch.as_tensor(fake, dtype=torch.float64), real=False)
    mean, std = metric.compute()
    return float(mean), float(std)


def main() -> None:
    compute_prdc = _prdc()
    rng = np.random.default_rng(0)
    d = 64
    print(f"{'case':<22} {'ours KID':>20} {'torchmetrics KID':>20}   {'ours P/R/D/C (k=5)':>26} {'prdc P/R/D/C (k=5)':>26}")
    for shift in (0.0, 0.5, 2.0):
        real = rng.normal(size=(600, d))
        fake = rng.normal(size=(600, d)) + shift * np.eye(d)[0] * np.sqrt(d) / 4
        ours = kid(real, fake, subsets=100, subset_size=200, seed=0)
        theirs = torchmetrics_kid(real, fake, 100, 200)
        m = manifold_metrics(real, fake, k_pr=5, k_dc=5)
        import contextlib, io
        with contextlib.redirect_stdout(io.StringIO()):           # prdc prints the set sizes
            p = compute_prdc(real, fake, nearest_k=5)
        print(f"shift {shift:<16} {ours[0]:>10.4f} ± {ours[1]:<7.4f} {theirs[0]:>10.4f} ± {theirs[1]:<7.4f}   "
              f"{m.precision:.3f}/{m.recall:.3f}/{m.density:.3f}/{m.coverage:.3f}       "
              f"{p['precision']:.3f}/{p['recall']:.3f}/{p['density']:.3f}/{p['coverage']:.3f}")


if __name__ == "__main__":
    main()
