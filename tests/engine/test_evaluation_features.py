"""The feature network: what it learns from, its progress, its cache, its determinism (16 px, few steps)."""
from __future__ import annotations

import numpy as np
import pytest

from studio.engine.evaluation import features as fx


class _Data:
    """The parts of an ImageDataset the feature network reads."""

    def __init__(self, images, labels=None, label_names=(), captions=None, fingerprint="test"):
        self.images, self.labels, self.label_names = images, labels, list(label_names)
        self.captions = captions if captions is not None else [""] * len(images)
        self.fingerprint = fingerprint

    def __len__(self):
        return len(self.images)


def _labelled(n=200, size=16, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    images = np.zeros((n, size, size, 1), np.uint8)
    images[labels == 0, :, size // 2 - 1:size // 2 + 1] = 255       # vertical bar
    images[labels == 1, size // 2 - 1:size // 2 + 1, :] = 255       # horizontal bar
    return _Data(images, labels, ("vertical", "horizontal"))


def _run(gen):
    events = []
    while True:
        try:
            events.append(next(gen))
        except StopIteration as stop:
            return events, stop.value


def test_targets_for_picks_labels_words_or_self_supervised():
    data = _labelled(20)
    assert fx.targets_for(data).kind == fx.LABELS
    images = data.images
    worded = _Data(images, captions=["a red bar", "a blue bar"] * 10)
    assert fx.targets_for(worded).kind == fx.WORDS
    assert fx.targets_for(_Data(images)).kind == fx.SELF_SUPERVISED


def test_training_yields_progress_cache_reuses_and_survives_damage(tmp_path):
    data = _labelled()
    train_idx = np.arange(150)
    events, network = _run(fx.feature_network(data, train_idx, steps=10, seed=0, cache=tmp_path))
    assert events and all(isinstance(e, fx.FeatureTraining) for e in events) and events[-1].step == 10
    first = network.features(data.images[150:])
    assert first.shape[0] == 50 and np.isfinite(first).all()
    again_events, again = _run(fx.feature_network(data, train_idx, steps=10, seed=0, cache=tmp_path))
    assert again_events == [] and np.allclose(again.features(data.images[150:]), first)
    for path in tmp_path.glob("*.safetensors"):
        path.write_bytes(b"damaged")
    damaged_events, _ = _run(fx.feature_network(data, train_idx, steps=10, seed=0, cache=tmp_path))
    assert damaged_events


def test_same_seed_same_features(tmp_path):
    data = _labelled(100)
    idx = np.arange(80)
    _, a = _run(fx.feature_network(data, idx, steps=5, seed=3, cache=tmp_path / "a"))
    _, b = _run(fx.feature_network(data, idx, steps=5, seed=3, cache=tmp_path / "b"))
    assert np.array_equal(a.features(data.images[80:]), b.features(data.images[80:]))


def test_check_passes_on_an_easy_labelled_set(tmp_path):
    from studio.engine.evaluation.check import degradation_check

    rng = np.random.default_rng(1)
    n, size = 300, 16
    labels = rng.integers(0, 3, n)
    images = np.zeros((n, size, size, 1), np.uint8)
    for i, label in enumerate(labels):                          # a bright square, disc or bar at a random place
        y, x = rng.integers(3, size - 3, 2)
        yy, xx = np.mgrid[:size, :size]
        mask = [(abs(yy - y) <= 2) & (abs(xx - x) <= 2), (yy - y) ** 2 + (xx - x) ** 2 <= 6, abs(yy - y) <= 1][label]
        images[i, mask, 0] = 255
    data = _Data(images, labels, ("square", "disc", "bar"))
    _, network = _run(fx.feature_network(data, np.arange(250), steps=40, seed=0, cache=tmp_path))
    result = degradation_check(network, images[:250], images[250:], seed=0)
    assert result.passed, [(row.name, round(row.kid, 4)) for row in result.rows]


def test_local_structure_reads_blur_as_smoother_and_shuffled_pixels_as_rougher():
    """The fixed structure statistics: the 1-px/2-px difference-energy ratio falls with blur, rises to ~1
    when pixels are scattered; the log energies fall with blur and rise when scattered."""
    import torch

    from studio.engine.evaluation.check import blur, shuffle_pixels
    from studio.engine.evaluation.features import local_structure, to_input

    rng = np.random.default_rng(0)
    images = np.zeros((16, 32, 32, 1), np.uint8)
    for i in range(16):                                      # filled squares: sharp edges
        x, y, s = rng.integers(2, 14, 3)
        images[i, y:y + s + 6, x:x + s + 6] = 255
    def stats(imgs):
        return local_structure(to_input(imgs)).mean(dim=0)
    sharp, soft, scattered = stats(images), stats(blur(images, 1.5)), stats(shuffle_pixels(images))
    for ratio in (2, 5):                                     # across and down
        assert soft[ratio] < sharp[ratio] < scattered[ratio] and scattered[ratio] > 0.8
    for energy in (0, 1, 3, 4):
        assert soft[energy] < sharp[energy] < scattered[energy]
    assert torch.isfinite(stats(np.zeros((2, 8, 8, 3), np.uint8))).all()         # flat images: no NaN
