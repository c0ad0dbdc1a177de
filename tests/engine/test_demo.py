"""studio.engine.demo: built-in datasets drawn on first use, loaded through load_dataset."""
from __future__ import annotations

import itertools
import json
import os

import numpy as np
import pytest

from studio import paths
from studio.engine import demo
from studio.engine.data import DatasetError, demo_names, load_dataset


def test_names_and_descriptions():
    assert demo_names() == demo.demo_names() == tuple(demo.DEMOS)
    assert {"shapes", "digits", "faces"} <= set(demo.DEMOS)
    assert all(isinstance(text, str) and "\n" not in text for text in demo.DEMOS.values())


def test_unknown_name_lists_the_names():
    with pytest.raises(DatasetError, match="shapes, digits, faces"):
        demo.demo_path("unicorns")
    with pytest.raises(DatasetError, match="unknown demo dataset 'unicorns'"):
        load_dataset("demo:unicorns")


def test_shapes():
    folder = demo.demo_path("shapes")
    assert folder.parent == paths.demo_dir() and folder.name == "shapes-v1"
    assert "shapes" in (folder / "README.txt").read_text()
    records = [json.loads(line) for line in (folder / "metadata.jsonl").read_text().splitlines()]
    assert len(records) == 2000
    for size in (16, 32):
        dataset = load_dataset("demo:shapes", size=size)
        assert dataset.images.shape == (2000, size, size, 3)
        assert dataset.report.skipped == () and dataset.report.notes == ()
    assert dataset.label_names == ("circle", "square", "star", "triangle")
    assert set(dataset.report.label_counts.values()) == {500}
    assert dataset.report.captioned == 2000 and dataset.report.caption_source == "metadata.jsonl"
    for caption, label in zip(dataset.captions, dataset.labels):
        words = caption.split()
        assert words[-1] == dataset.label_names[label] and len(words) in (2, 3)
        assert words[-2] in ("red", "green", "blue", "yellow", "purple", "orange")
    assert len(set(dataset.captions)) == 48 + 24            # with and without the size word
    assert 150 < dataset.images.mean() < 240                # light backgrounds, coloured shapes


def test_digits():
    native = load_dataset("demo:digits", size=32)
    assert native.images.shape == (2000, 32, 32, 1) and native.report.channels == 1
    assert native.label_names == tuple(str(d) for d in range(10))
    assert set(native.report.label_counts.values()) == {200}
    assert native.report.captioned == 0
    border = np.concatenate([native.images[:, [0, -1], :], native.images[:, :, [0, -1]].transpose(0, 2, 1, 3)], axis=1)
    assert border.max() < 100 and native.images.max() > 200   # strokes inside a dark frame, as in MNIST
    # The ten classes look different: their mean images are far apart.
    means = np.stack([native.images[native.labels == k].mean(axis=0).ravel() for k in range(10)])
    distances = np.linalg.norm(means[:, None] - means[None], axis=-1)
    assert distances[~np.eye(10, dtype=bool)].min() > 100


def test_faces():
    dataset = load_dataset("demo:faces", size=16)
    assert dataset.images.shape == (1600, 16, 16, 3) and dataset.labels is None
    assert dataset.report.captioned == 1600
    assert "smiling yellow face with big eyes" in dataset.captions
    assert len(set(dataset.captions)) == 16


def test_second_call_reuses_the_folder():
    first = demo.demo_path("digits")
    marker = first / "marker"
    marker.write_text("still here")
    calls = []
    assert demo.demo_path("digits", progress=lambda d, t: calls.append(d)) == first
    assert marker.exists() and calls == []
    marker.unlink()


def test_drawing_is_deterministic():
    def first_items(seed):
        return [np.asarray(image) for _, image, _ in itertools.islice(demo._shape_items(np.random.default_rng(seed)), 12)]

    assert all(np.array_equal(a, b) for a, b in zip(first_items(5), first_items(5)))
    assert not all(np.array_equal(a, b) for a, b in zip(first_items(5), first_items(6)))


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GENSTUDIO_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "demo-datasets"


def test_generation_is_atomic(own_cache, monkeypatch):
    def interrupted(folder, progress, cancel):
        (folder / "half.png").write_bytes(b"")
        raise KeyboardInterrupt

    monkeypatch.setitem(demo._GENERATORS, "digits", interrupted)
    with pytest.raises(KeyboardInterrupt):
        demo.demo_path("digits")
    assert list(own_cache.iterdir()) == []                  # neither a half set nor its temp folder

    def loses_the_race(folder, progress, cancel):
        (folder / "mine.png").write_bytes(b"")
        (own_cache / "digits-v1").mkdir()                   # another process finishes first
        (own_cache / "digits-v1" / "theirs.png").write_bytes(b"")

    monkeypatch.setitem(demo._GENERATORS, "digits", loses_the_race)
    folder = demo.demo_path("digits")
    assert sorted(p.name for p in own_cache.iterdir()) == ["digits-v1"]
    assert [p.name for p in folder.iterdir()] == ["theirs.png"]


def test_stale_temp_folders_are_removed(own_cache, monkeypatch):
    stale = own_cache / ".faces-v1.tmp-dead"
    fresh = own_cache / ".faces-v1.tmp-alive"
    stale.mkdir(parents=True)
    fresh.mkdir()
    os.utime(stale, (0, 0))
    monkeypatch.setitem(demo._GENERATORS, "faces", lambda folder, progress, cancel: None)
    demo.demo_path("faces")
    assert sorted(p.name for p in own_cache.iterdir()) == [".faces-v1.tmp-alive", "faces-v1"]


def test_progress_and_cancel_while_generating(own_cache):
    calls = []
    with pytest.raises(DatasetError, match="cancelled"):
        demo.demo_path("digits", progress=lambda done, total: calls.append((done, total)), cancel=lambda: len(calls) >= 2)
    assert calls == [(50, 2000), (100, 2000)]
    assert list(own_cache.iterdir()) == []
