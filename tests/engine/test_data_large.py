"""Large folders (issue 28, part 5): progress, a prompt cancel, reduced-size JPEG decoding, files that go away."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from studio.engine import data
from studio.engine.data import DatasetError, load_dataset


def small_pngs(folder, n, side=12):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new("RGB", (side, side), (i % 256, 80, 160)).save(folder / f"{i:04d}.png")
    return folder


def big_jpeg(path, size=(3000, 2000)):
    """A camera-size JPEG in a few tens of ms: two gradients and a square, so a reduced decode is checkable."""
    w, h = size
    ramp = Image.linear_gradient("L")
    rgb = Image.merge("RGB", (ramp.resize((w, h)), ramp.rotate(90).resize((w, h)), Image.new("L", (w, h), 90)))
    rgb.paste((250, 250, 250), (w // 2 - h // 8, h // 2 - h // 8, w // 2 + h // 8, h // 2 + h // 8))
    rgb.save(path, quality=80)
    return path


@pytest.fixture
def decoded_sizes(monkeypatch):
    """The size each image had once decoded (what the decoder held in memory), in call order."""
    sizes = []
    flatten = data._flatten

    def spy(im):
        sizes.append(im.size)
        return flatten(im)

    monkeypatch.setattr(data, "_flatten", spy)
    return sizes


def test_big_jpegs_are_decoded_at_a_reduced_size(tmp_path, decoded_sizes):
    big_jpeg(tmp_path / "IMG_0.jpg", (2000, 3000))
    big_jpeg(tmp_path / "IMG_1.jpg", (3000, 2000))
    dataset = load_dataset(tmp_path, size=32, workers=2)
    assert dataset.images.shape == (2, 32, 32, 3)
    # libjpeg scaled by 1/8 while decoding: 1/64 of the pixels were ever held, never the full photo.
    assert sorted(decoded_sizes) == [(250, 375), (375, 250)]
    # ...and the result is the same picture: the white centre square, red darker at the top, green across.
    image = dataset.images[1].astype(int)
    assert image[14:18, 14:18].min() > 230
    assert image[-2, :, 0].mean() - image[1, :, 0].mean() > 150
    assert abs(image[:, 1, 1].mean() - image[:, -2, 1].mean()) > 150


def test_reduced_decode_keeps_at_least_the_training_size(tmp_path, decoded_sizes):
    big_jpeg(tmp_path / "wide.jpg", (3000, 2000))
    load_dataset(tmp_path, size=256)
    assert decoded_sizes == [(750, 500)]       # 1/4: 1/8 would be 250 px high, below the 256 it is resized to


def test_the_pixel_limit_counts_a_jpeg_at_the_scale_it_is_decoded_at(tmp_path, decoded_sizes):
    big_jpeg(tmp_path / "photo.jpg", (400, 300))
    # At 32 px libjpeg decodes 1/8 (50x38 = 1,900 pixels): a limit of 5,000 lets it load, as a 48-megapixel
    # photo loads under the default 40 megapixels...
    assert len(load_dataset(tmp_path, size=32, max_pixels=5000)) == 1 and decoded_sizes == [(50, 38)]
    assert data._jpeg_draft_size((8064, 6048), 32) == (1008, 756)
    # ...at 128 px only 1/2 (200x150): over the limit, skipped before any pixel is decoded.
    with pytest.raises(DatasetError, match="declares 400x300 pixels"):
        load_dataset(tmp_path, size=128, max_pixels=5000)
    assert decoded_sizes == [(50, 38)]


def test_progress_counts_every_file_and_big_files_one_at_a_time(tmp_path):
    small_pngs(tmp_path / "small", 40)
    calls = []
    dataset = load_dataset(tmp_path / "small", size=8, workers=2, progress=lambda d, t: calls.append((d, t)))
    assert len(dataset) == 40 and calls[0] == (0, 40) and calls[-1] == (40, 40)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    # Chunks: 16 small files a job; a file of a megabyte or more is a job (and a progress step) of its own.
    sizes = [100] * 40
    assert list(data._chunks([data._Candidate(str(i), "", s, 0) for i, s in enumerate(sizes)])) == [
        (0, 16), (16, 32), (32, 40)]
    sizes = [3_000_000, 3_000_000, 100, 100, 2_000_000]
    assert list(data._chunks([data._Candidate(str(i), "", s, 0) for i, s in enumerate(sizes)])) == [
        (0, 1), (1, 2), (2, 5)]


def count_decodes(monkeypatch):
    decoded = []
    decode = data._decode_outcome

    def spy(*args):
        decoded.append(args[0])
        return decode(*args)

    monkeypatch.setattr(data, "_decode_outcome", spy)
    return decoded


def test_cancel_while_decoding_stops_within_a_few_files(tmp_path, monkeypatch):
    small_pngs(tmp_path, 400)
    decoded = count_decodes(monkeypatch)
    with pytest.raises(DatasetError, match="cancelled"):
        load_dataset(tmp_path, size=8, workers=2, cancel=lambda: len(decoded) >= 20)
    # Asked once 20 files were decoded: the chunks already running finish their current file and stop.
    assert 20 <= len(decoded) < 20 + 2 * 2 * data._CHUNK


def test_cancel_while_scanning_a_big_flat_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_SCAN_POLL_ENTRIES", 64)      # as with 1024, in a folder 16 times smaller
    for i in range(2 * 64 + 10):
        (tmp_path / f"{i:05d}.png").touch()
    decoded = count_decodes(monkeypatch)
    polls = []
    with pytest.raises(DatasetError, match="cancelled"):
        load_dataset(tmp_path, size=8, cancel=lambda: polls.append(1) or len(polls) >= 2)
    assert decoded == [] and len(polls) == 2          # inside the one folder, before any decoding


def test_cancel_while_reading_captions(tmp_path):
    small_pngs(tmp_path, 30)
    for i in range(30):
        (tmp_path / f"{i:04d}.txt").write_text(f"picture {i}")
    finished = threading.Event()

    def progress(done, total):
        if done == total:
            finished.set()

    with pytest.raises(DatasetError, match="cancelled"):
        load_dataset(tmp_path, size=8, progress=progress, cancel=finished.is_set)


def test_a_file_deleted_while_loading_is_skipped_with_a_reason(tmp_path):
    small_pngs(tmp_path, 20)
    big_jpeg(tmp_path / "photo.jpg", (1200, 800))

    def progress(done, total):
        if done == 0:              # the folder is scanned, nothing decoded yet: the files go away now
            for name in ("0007.png", "photo.jpg"):
                (tmp_path / name).unlink(missing_ok=True)
            (tmp_path / "0008.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")     # rewritten while loading

    dataset = load_dataset(tmp_path, size=8, workers=2, progress=progress)
    assert len(dataset) == 18 and "0007.png" not in dataset.files and "photo.jpg" not in dataset.files
    reasons = {s.path: s.reason for s in dataset.report.skipped}
    assert set(reasons) == {"0007.png", "0008.png", "photo.jpg"}
    for name in ("0007.png", "photo.jpg"):
        assert reasons[name].id in ("skip.vanished", "skip.unreadable") and str(reasons[name])
    assert reasons["0008.png"].id in ("skip.truncated", "skip.undecodable", "skip.unidentified")
    assert np.isfinite(dataset.images.astype(float)).all() and dataset.report.found == 21
