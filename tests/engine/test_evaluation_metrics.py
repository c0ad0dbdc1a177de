"""studio.engine.evaluation.metrics on feature sets whose answer is known: Gaussian draws, shifted,
narrowed and widened copies, near-copies of a training set. Plain numpy inputs, tiny sizes, fixed seeds."""
from __future__ import annotations

import numpy as np
import pytest

from studio.engine.evaluation.metrics import diversity, kid, knn_radii, manifold_metrics, memorisation, nearest


def gaussian(n: int, dim: int, seed: int, scale: float = 1.0, shift: float = 0.0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)) * scale + shift


# -- KID ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kid_of_two_draws_of_one_distribution_is_zero_within_its_spread(seed):
    real, fake = gaussian(600, 16, seed), gaussian(600, 16, seed + 100)
    mean, std = kid(real, fake, subsets=50, subset_size=200, seed=seed)
    assert std > 0
    assert abs(mean) <= std                     # seen: |mean| 0.004-0.009 against spreads of ~0.008-0.014


def test_kid_of_disjoint_sets_is_many_spreads_above_zero():
    real, fake = gaussian(600, 16, 0), gaussian(600, 16, 1, shift=3.0)
    mean, std = kid(real, fake, subsets=50, subset_size=200, seed=0)
    assert mean > 10 * std                      # seen: ~1000 against a spread of ~26
    same, _ = kid(real, gaussian(600, 16, 2), subsets=50, subset_size=200, seed=0)
    assert mean > 100 * abs(same)


def test_kid_grows_with_the_distance_between_the_sets():
    real = gaussian(400, 8, 0)
    means = [kid(real, gaussian(400, 8, 1, shift=s), subsets=20, subset_size=200, seed=0)[0] for s in (0.0, 0.3, 1.0, 3.0)]
    assert means == sorted(means)


def test_kid_spread_is_not_zero_when_the_sets_are_smaller_than_a_subset():
    """Two sets of 300 with the default subset size of 1000: the subsets must still differ from each other
    (drawing every set whole made each subset the same and the spread read 0, ~3e-16)."""
    real, fake = gaussian(300, 16, 0), gaussian(300, 16, 1)
    mean, std = kid(real, fake, seed=0)
    assert std > 1e-4
    assert abs(mean) <= 2 * std


def test_kid_refuses_a_set_of_one():
    with pytest.raises(ValueError):
        kid(gaussian(1, 4, 0), gaussian(10, 4, 1))


def test_kid_same_seed_same_numbers_and_another_seed_other_subsets():
    real, fake = gaussian(400, 8, 0), gaussian(400, 8, 1)
    assert kid(real, fake, subsets=10, subset_size=100, seed=7) == kid(real, fake, subsets=10, subset_size=100, seed=7)
    assert kid(real, fake, subsets=10, subset_size=100, seed=7) != kid(real, fake, subsets=10, subset_size=100, seed=8)


# -- precision, recall, density, coverage ---------------------------------------------------------------------------
def test_manifold_metrics_of_a_set_against_itself_are_exact():
    real = gaussian(300, 4, 0)
    m = manifold_metrics(real, real)
    assert (m.precision, m.recall, m.coverage) == (1.0, 1.0, 1.0)
    assert m.density == pytest.approx(6 / 5)    # each point lies in its own ball and its 5 neighbours' (k=5)


def test_manifold_metrics_of_two_draws_of_one_distribution_are_near_one():
    m = manifold_metrics(gaussian(800, 2, 0), gaussian(800, 2, 1))
    assert m.precision > 0.9 and m.recall > 0.9            # seen: 0.98, 0.99
    assert 0.85 < m.density < 1.15 and m.coverage > 0.9    # seen: 0.99, 0.98


def test_a_narrow_generator_has_high_precision_and_low_recall():
    """Samples from the middle of the real distribution only (a collapsed generator): all realistic, little covered."""
    m = manifold_metrics(gaussian(600, 16, 0), gaussian(600, 16, 1, scale=0.5))
    assert m.precision > 0.95 and m.recall < 0.2           # seen: 1.0, 0.03
    assert m.density > 2                                   # crowded into the dense middle (seen: 6.7)


def test_a_wide_generator_has_low_precision_and_high_recall():
    """Samples spread far beyond the real data: they cover it, but most are not realistic."""
    m = manifold_metrics(gaussian(600, 16, 0), gaussian(600, 16, 1, scale=2.0))
    assert m.precision < 0.2 and m.recall > 0.95           # seen: 0.02, 1.0
    assert m.density < 0.2 and m.coverage < 0.2            # seen: 0.01, 0.04


def test_half_overlap_reads_about_half():
    """Real data in two clusters, samples in only one: precision ≈1, recall and coverage ≈ 1/2."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0, 0.0, 0.0], [20.0, 0.0, 0.0, 0.0]])
    real = rng.standard_normal((800, 4)) + centres[np.arange(800) % 2]
    fake = rng.standard_normal((400, 4)) + centres[0]
    m = manifold_metrics(real, fake)
    assert m.precision > 0.9
    assert 0.4 < m.recall < 0.55 and 0.4 < m.coverage < 0.55


def test_knn_radii_and_nearest_on_points_on_a_line():
    x = np.arange(10, dtype=float)[:, None]
    assert knn_radii(x, 1)[5] == 1.0 and knn_radii(x, 3)[0] == 3.0
    index, distance = nearest(np.array([[2.2], [8.9]]), x)
    assert list(index) == [2, 9] and np.allclose(distance, [0.2, 0.1])
    with pytest.raises(ValueError):
        knn_radii(x[:3], 3)


# -- diversity and memorisation ---------------------------------------------------------------------------------------
def test_diversity_is_zero_for_copies_of_one_vector_and_scales_with_spread():
    assert diversity(np.ones((50, 8))) == 0.0
    wide, narrow = diversity(gaussian(300, 8, 0, scale=2.0)), diversity(gaussian(300, 8, 0))
    assert wide == pytest.approx(2 * narrow)
    assert diversity(gaussian(300, 8, 0), seed=3) == diversity(gaussian(300, 8, 0), seed=3)


def test_memorisation_flags_a_model_that_returns_training_vectors():
    train, heldout = gaussian(500, 16, 0), gaussian(200, 16, 1)
    rng = np.random.default_rng(2)
    picked = rng.integers(0, len(train), 200)
    copies = train[picked] + 0.01 * rng.standard_normal((200, 16))
    m = memorisation(copies, train, heldout)
    assert m.share == 1.0
    assert np.array_equal(m.nearest_index, picked)          # each copy's nearest training vector is its source
    assert m.nearest_distance.max() < m.threshold


def test_memorisation_does_not_flag_fresh_samples_and_reads_about_the_quantile():
    train, heldout, fresh = gaussian(500, 16, 0), gaussian(200, 16, 1), gaussian(200, 16, 2)
    m = memorisation(fresh, train, heldout, quantile=0.05)
    assert m.share < 0.15                                    # the floor is 0.05 by construction (seen: 0.025)
    half = memorisation(np.concatenate([fresh[:100], train[:100]]), train, heldout)
    assert 0.45 < half.share < 0.6                           # half copies: about half flagged


def test_memorisation_same_inputs_same_numbers():
    train, heldout, fresh = gaussian(300, 8, 0), gaussian(100, 8, 1), gaussian(100, 8, 2)
    a, b = memorisation(fresh, train, heldout), memorisation(fresh, train, heldout)
    assert (a.share, a.threshold) == (b.share, b.threshold)
    assert np.array_equal(a.nearest_index, b.nearest_index)
