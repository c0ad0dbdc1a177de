"""studio.engine.data: folders of real and hostile files -> ImageDataset + DatasetReport."""
from __future__ import annotations

import io
import json
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from studio.engine.data import (
    IMAGE_EXTENSIONS,
    MACOS_METADATA,
    NO_LABEL,
    DatasetError,
    _flatten,
    ImageDataset,
    is_demo,
    load_dataset,
)

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def save(path, image: Image.Image, **options) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **options)
    return str(path)


def solid(colour=RED, size=(12, 12), mode="RGB") -> Image.Image:
    return Image.new(mode, size, colour)


def noise_png_bytes(side=64) -> bytes:
    pixels = np.random.default_rng(0).integers(0, 256, size=(side, side, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png_bytes(width=60000, height=60000) -> bytes:
    """A tiny, well-formed PNG whose header declares a huge 8-bit grayscale image."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def skip_reasons(dataset: ImageDataset) -> dict[str, str]:
    return {s.path: s.reason for s in dataset.report.skipped}


def close(pixel, colour, tolerance=12) -> bool:
    return bool(np.all(np.abs(np.asarray(pixel, dtype=int) - np.asarray(colour)) <= tolerance))


# --- formats and colour modes --------------------------------------------------------------------


def test_every_extension_and_format_loads(tmp_path):
    frames = [solid(RED, (16, 16)), solid(BLUE, (16, 16))]
    save(tmp_path / "a.png", solid(RED))
    save(tmp_path / "b.JPG", solid(RED), quality=95)
    save(tmp_path / "c.jpeg", solid(RED), quality=95)
    save(tmp_path / "d.webp", solid(RED), lossless=True)
    save(tmp_path / "e.bmp", solid(RED))
    save(tmp_path / "f.gif", frames[0], save_all=True, append_images=frames[1:])   # first frame is red
    save(tmp_path / "g.tif", solid(RED))
    save(tmp_path / "h.TIFF", solid(RED), save_all=True, append_images=[solid(BLUE)])
    save(tmp_path / "i.png", frames[0], save_all=True, append_images=frames[1:])   # APNG
    dataset = load_dataset(tmp_path, size=8)
    assert dataset.report.skipped == ()
    assert len(dataset) == dataset.report.found == 9
    assert dataset.images.shape == (9, 8, 8, 3) and dataset.images.dtype == np.uint8
    assert dataset.images.flags["C_CONTIGUOUS"]
    for name, image in zip(dataset.files, dataset.images):
        assert close(image.reshape(-1, 3).mean(axis=0), RED, tolerance=16), name
    assert {os.path.splitext(f)[1].lower() for f in dataset.files} <= IMAGE_EXTENSIONS


def test_transparency_is_composited_on_white(tmp_path):
    rgba = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    rgba.paste((255, 0, 0, 255), (0, 0, 8, 4))            # top half opaque red, bottom fully transparent
    save(tmp_path / "rgba.png", rgba)
    palette = Image.new("P", (8, 8), 1)
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    palette.paste(0, (0, 4, 8, 8))                        # bottom half: index 0, made transparent
    save(tmp_path / "palette.png", palette, transparency=0)
    la = Image.new("LA", (8, 8), (0, 0))
    la.paste((0, 255), (0, 0, 8, 4))                       # top half opaque black
    save(tmp_path / "la.png", la)
    dataset = load_dataset(tmp_path, size=8, channels=3)
    for name, image in zip(dataset.files, dataset.images):
        assert close(image[7, 4], WHITE, 2), name          # transparent -> white, not black
        expected = (0, 0, 0) if name == "la.png" else RED
        assert close(image[0, 4], expected, 2), name


def test_high_bit_depth_cmyk_and_other_modes_convert(tmp_path):
    ramp = np.zeros((8, 8), dtype=np.uint16)
    ramp[:, 4:] = 65535
    save(tmp_path / "gray16.png", Image.fromarray(ramp))
    floats = np.zeros((8, 8), dtype=np.float32)
    floats[:, 4:] = 1.0
    save(tmp_path / "float.tif", Image.fromarray(floats))
    save(tmp_path / "cmyk.jpg", Image.new("CMYK", (8, 8), (0, 255, 255, 0)), quality=95)   # red in CMYK
    save(tmp_path / "cmyk.tif", Image.new("CMYK", (8, 8), (0, 255, 255, 0)))
    bits = Image.new("1", (8, 8), 0)
    bits.paste(1, (4, 0, 8, 8))
    save(tmp_path / "bits.png", bits)
    dataset = load_dataset(tmp_path, size=8)
    assert dataset.report.skipped == ()
    images = dict(zip(dataset.files, dataset.images))
    for name in ("gray16.png", "float.tif", "bits.png"):
        assert close(images[name][4, 0], (0, 0, 0), 2) and close(images[name][4, 7], WHITE, 2), name
    for name in ("cmyk.jpg", "cmyk.tif"):
        assert close(images[name][4, 4], RED, 20), name


@pytest.mark.parametrize(
    "source_mode, mode",
    [("RGB", "YCbCr"), ("RGB", "HSV"), ("RGB", "LAB"), ("RGB", "RGBX"), ("RGB", "P"), ("RGBA", "PA"), ("RGBA", "RGBa"),
     ("LA", "La"), ("L", "I"), ("L", "I;16B"), ("L", "F")],
)
def test_every_colour_mode_flattens_to_l_or_rgb(source_mode, mode):
    # Modes Pillow cannot always write to a file are checked in memory (Pillow 10 misreads its own YCbCr TIFF).
    try:
        image = Image.new(source_mode, (4, 4), 200).convert(mode)
    except ValueError:
        pytest.skip(f"this Pillow cannot convert {source_mode} to {mode}")
    flat = _flatten(image)
    assert flat.mode in ("L", "RGB") and flat.size == (4, 4)


def test_exif_orientation_is_applied(tmp_path):
    # Stored 20 wide x 10 tall with a red band along the top; orientation 6 means
    # "rotate 90 degrees clockwise to display": portrait, the band on the right.
    stored = Image.new("RGB", (20, 10), WHITE)
    stored.paste(RED, (0, 0, 20, 3))
    exif = Image.Exif()
    exif[0x0112] = 6
    save(tmp_path / "photo.jpg", stored, exif=exif.tobytes(), quality=100, subsampling=0)
    image = load_dataset(tmp_path, size=10).images[0]
    assert close(image[5, 9], RED, 40)        # right edge: the band
    assert close(image[0, 0], WHITE, 40)      # top left: not the band (it would be without rotation)
    assert close(image[5, 2], WHITE, 40)


def test_resize_scales_short_side_and_keeps_the_centre(tmp_path):
    wide = Image.new("RGB", (90, 30), RED)
    wide.paste(GREEN, (30, 0, 60, 30))
    wide.paste(BLUE, (60, 0, 90, 30))
    save(tmp_path / "wide.png", wide)
    tall = Image.new("RGB", (30, 90), RED)
    tall.paste(GREEN, (0, 30, 30, 60))
    save(tmp_path / "tall.png", tall)
    dataset = load_dataset(tmp_path, size=10)
    for name, image in zip(dataset.files, dataset.images):
        assert close(image[3:7, 3:7].reshape(-1, 3).mean(axis=0), GREEN, 4), name
        assert image[..., 1].mean() > 200 and image[..., 0].mean() < 40 and image[..., 2].mean() < 40, name


def test_channels_auto_and_forced(tmp_path):
    gray = tmp_path / "gray"
    save(gray / "a.png", solid(50, mode="L"))
    save(gray / "b.png", solid((0, 90), mode="LA"))
    assert load_dataset(gray, size=8).images.shape == (2, 8, 8, 1)
    forced = load_dataset(gray, size=8, channels=3)
    assert forced.report.channels == 3 and forced.images.shape == (2, 8, 8, 3)
    assert np.all(forced.images[..., 0] == forced.images[..., 2])
    mixed = tmp_path / "mixed"
    save(mixed / "a.png", solid(50, mode="L"))
    save(mixed / "b.png", solid(RED))
    dataset = load_dataset(mixed, size=8)
    assert dataset.report.channels == 3
    assert np.all(dataset.images[0] == 50)                 # grayscale image spread over R, G and B
    as_gray = load_dataset(mixed, size=8, channels=1)
    assert as_gray.images.shape == (2, 8, 8, 1) and as_gray.images.flags["C_CONTIGUOUS"]
    assert "grayscale" in as_gray.report.summary()


# --- layout: labels, captions, names, links ------------------------------------------------------


def test_labels_come_from_first_level_folders(tmp_path):
    save(tmp_path / "cats" / "1.png", solid(RED))
    save(tmp_path / "cats" / "siamese" / "2.png", solid(RED))
    save(tmp_path / "dogs" / "3.png", solid(BLUE))
    save(tmp_path / "loose.png", solid(GREEN))
    dataset = load_dataset(tmp_path, size=8)
    assert dataset.label_names == dataset.report.labels == (NO_LABEL, "cats", "dogs")
    names = [dataset.label_names[k] for k in dataset.labels]
    assert dict(zip(dataset.files, names)) == {
        "cats/1.png": "cats", "cats/siamese/2.png": "cats", "dogs/3.png": "dogs", "loose.png": NO_LABEL,
    }
    assert dataset.labels.dtype == np.int64
    assert dataset.report.label_counts == {NO_LABEL: 1, "cats": 2, "dogs": 1}


def test_no_labels_without_two_groups(tmp_path):
    save(tmp_path / "flat" / "1.png", solid())
    save(tmp_path / "flat" / "2.png", solid())
    save(tmp_path / "one" / "photos" / "1.png", solid())
    for folder in ("flat", "one"):
        dataset = load_dataset(tmp_path / folder, size=8)
        assert dataset.labels is None and dataset.report.labels == () and dataset.report.label_counts == {}


def test_captions_from_txt_files(tmp_path):
    save(tmp_path / "a.png", solid())
    (tmp_path / "a.txt").write_bytes("\ufeff  a red\nsquare \n".encode("utf-8"))
    save(tmp_path / "b.png", solid())
    (tmp_path / "b.png.txt").write_text("the b caption", encoding="utf-8")
    (tmp_path / "b.txt").write_text("not this one", encoding="utf-8")
    save(tmp_path / "c.png", solid())
    dataset = load_dataset(tmp_path, size=8)
    assert dataset.captions == ("a red square", "the b caption", "")
    assert dataset.report.captioned == 2 and dataset.report.caption_source == "txt"
    assert dataset.report.skipped == ()                    # caption files are not skipped images


def test_captions_from_metadata_jsonl_with_bad_lines(tmp_path):
    save(tmp_path / "x" / "a.png", solid())
    save(tmp_path / "x" / "b.png", solid())
    save(tmp_path / "y" / "c.png", solid())
    lines = [
        json.dumps({"file_name": "x/a.png", "text": "first"}),
        "{not json",
        json.dumps({"file_name": "x/b.png"}),
        json.dumps({"file_name": "y/c.png", "caption": "from caption column"}),
        json.dumps({"file_name": "gone.png", "text": "no such file"}),
        "",
    ]
    (tmp_path / "metadata.jsonl").write_text("\n".join(lines), encoding="utf-8")
    (tmp_path / "x" / "metadata.jsonl").write_text(json.dumps({"file_name": "b.png", "text": "nested"}) + "\n")
    (tmp_path / "x" / "b.txt").write_text("txt wins over metadata")
    dataset = load_dataset(tmp_path, size=8)
    assert dataset.captions == ("first", "txt wins over metadata", "from caption column")
    assert dataset.report.caption_source == "txt+metadata.jsonl"
    notes = " | ".join(dataset.report.notes)
    assert "2 bad lines ignored" in notes and "line 2: not valid JSON" in notes
    assert "1 entry name files that were not loaded" in notes
    (tmp_path / "x" / "b.txt").unlink()
    assert load_dataset(tmp_path, size=8).captions[1] == "nested"   # deeper metadata wins


def test_captions_from_metadata_csv(tmp_path):
    save(tmp_path / "a.png", solid())
    save(tmp_path / "b b.png", solid())
    (tmp_path / "metadata.csv").write_text('file_name,text\na.png,"a, with comma"\nb b.png,second\n', encoding="utf-8")
    dataset = load_dataset(tmp_path, size=8)
    assert dataset.captions == ("a, with comma", "second")
    assert dataset.report.caption_source == "metadata.csv"


def test_unicode_names(tmp_path):
    save(tmp_path / "café" / "日本語の画像.png", solid(RED))
    save(tmp_path / "ünïcödé" / "emoji 🎨.jpg", solid(BLUE))
    (tmp_path / "café" / "日本語の画像.txt").write_text("猫", encoding="utf-8")
    dataset = load_dataset(tmp_path, size=8)
    assert dataset.files == ("café/日本語の画像.png", "ünïcödé/emoji 🎨.jpg")
    assert dataset.label_names == ("café", "ünïcödé") and dataset.captions[0] == "猫"


def test_symlink_loop_terminates_and_linked_folders_are_read_once(tmp_path):
    save(tmp_path / "a" / "1.png", solid())
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    os.symlink(tmp_path / "a", tmp_path / "b")
    (tmp_path / "a" / "self.png").symlink_to(tmp_path / "a" / "self.png")
    dataset = load_dataset(tmp_path, size=8)
    assert dataset.files == ("a/1.png",)
    assert any("loop" in note for note in dataset.report.notes)
    assert "a/self.png" in skip_reasons(dataset)


def test_hidden_folders_are_ignored_silently(tmp_path):
    save(tmp_path / ".cache" / "thumb.png", solid())
    save(tmp_path / ".hidden.png", solid())
    save(tmp_path / "ok.png", solid())
    dataset = load_dataset(tmp_path, size=8)
    assert dataset.files == ("ok.png",) and dataset.report.skipped == ()


# --- hostile files -------------------------------------------------------------------------------


def test_hostile_files_are_skipped_with_specific_reasons(tmp_path):
    save(tmp_path / "good1.png", solid(RED))
    save(tmp_path / "good2.jpg", solid(BLUE))
    (tmp_path / "empty.png").write_bytes(b"")
    png = noise_png_bytes()
    (tmp_path / "truncated.png").write_bytes(png[: len(png) // 2])
    jpeg = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(jpeg, "JPEG")
    (tmp_path / "truncated.jpg").write_bytes(jpeg.getvalue()[: len(jpeg.getvalue()) // 2])
    (tmp_path / "garbage.webp").write_bytes(np.random.default_rng(2).integers(0, 256, 500, dtype=np.uint8).tobytes())
    (tmp_path / "notes.png").write_text("these are my notes, not a picture\n")
    (tmp_path / "page.jpg").write_text("<!DOCTYPE html><html><body>403 Forbidden</body></html>")
    (tmp_path / "bomb.png").write_bytes(bomb_png_bytes())
    save(tmp_path / "__MACOSX" / "._good1.png", solid())
    (tmp_path / "._good2.jpg").write_bytes(b"\x00\x05\x16\x07AppleDouble")
    os.symlink(tmp_path / "missing.png", tmp_path / "dangling.png")
    os.mkfifo(tmp_path / "pipe.png")                       # reading it would block forever

    dataset = load_dataset(tmp_path, size=8)

    assert dataset.files == ("good1.png", "good2.jpg")
    reasons = skip_reasons(dataset)
    assert reasons["empty.png"] == "empty file (0 bytes)"
    assert reasons["truncated.png"].startswith("truncated or corrupt PNG")
    assert reasons["truncated.jpg"].startswith("truncated or corrupt JPEG")
    assert reasons["garbage.webp"] == "not an image (unrecognised format)"
    assert reasons["notes.png"] == "not an image (looks like text)"
    assert reasons["page.jpg"].startswith("not an image (looks like HTML")
    assert reasons["bomb.png"] == "too large: declares 60000x60000 pixels (limit 40 megapixels)"
    assert reasons["__MACOSX/._good1.png"] == reasons["._good2.jpg"] == MACOS_METADATA
    assert reasons["dangling.png"] == "broken symbolic link"
    assert reasons["pipe.png"] == "not a regular file"
    report = dataset.report
    assert report.found == report.loaded + len(report.skipped) == 2 + 11
    assert [s.path for s in report.skipped] == sorted(reasons)
    assert report.summary().splitlines()[0] == "2 images (11 skipped), no labels, no captions, 8x8 RGB"


def test_size_limit_is_checked_before_decoding(tmp_path):
    save(tmp_path / "big.tif", solid(size=(100, 100)))      # no pre-parser for TIFF: checked after Image.open
    save(tmp_path / "big.jpg", solid(size=(100, 100)))
    save(tmp_path / "small.png", solid(size=(40, 40)))
    dataset = load_dataset(tmp_path, size=64, max_pixels=5000)       # 64: too big for the JPEG's reduced decode
    assert dataset.files == ("small.png",)
    reasons = skip_reasons(dataset)
    assert reasons["big.tif"] == reasons["big.jpg"] == "too large: declares 100x100 pixels (limit 0.005 megapixels)"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file_is_skipped(tmp_path):
    save(tmp_path / "ok.png", solid())
    locked = save(tmp_path / "locked.png", solid())
    os.chmod(locked, 0)
    assert skip_reasons(load_dataset(tmp_path, size=8))["locked.png"].startswith("cannot read")


# --- whole-dataset errors ------------------------------------------------------------------------


def test_dataset_errors_name_the_path(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(DatasetError, match="does not exist") as error:
        load_dataset(missing)
    assert str(missing) in str(error.value)

    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    with pytest.raises(DatasetError, match="is empty") as error:
        load_dataset(empty)
    assert str(empty) in str(error.value)

    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "readme.md").write_text("hi")
    with pytest.raises(DatasetError, match="contains no images") as error:
        load_dataset(texts)
    assert str(texts) in str(error.value) and "\n" not in str(error.value)

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.png").write_bytes(b"")
    (broken / "b.png").write_text("text")
    with pytest.raises(DatasetError, match="contains no images") as error:
        load_dataset(broken)
    assert str(broken) in str(error.value) and "2 files skipped" in str(error.value)
    assert "empty file (0 bytes)" in str(error.value) and "\n" not in str(error.value)

    with pytest.raises(DatasetError, match="neither a folder nor an image"):
        load_dataset(texts / "readme.md")
    with pytest.raises(DatasetError, match="cannot be used: empty file"):
        load_dataset(broken / "a.png")


def test_bad_sources_raise_dataset_error(tmp_path):
    for source in (None, 42, str(tmp_path / "nul\0byte")):
        with pytest.raises(DatasetError):
            load_dataset(source)


@pytest.mark.parametrize(
    "options", [{"size": 2}, {"size": 2048}, {"size": 32.0}, {"channels": 2}, {"workers": 0}, {"max_pixels": 0}]
)
def test_invalid_options(tmp_path, options):
    save(tmp_path / "a.png", solid())
    with pytest.raises(DatasetError):
        load_dataset(tmp_path, **options)


def test_single_image_file(tmp_path):
    path = save(tmp_path / "only.png", solid(GREEN, (30, 20)))
    (tmp_path / "only.txt").write_text("just one")
    save(tmp_path / "other.png", solid())
    dataset = load_dataset(path, size=16)
    assert dataset.files == ("only.png",) and dataset.captions == ("just one",)
    assert dataset.images.shape == (1, 16, 16, 3) and dataset.report.root == path


# --- progress, cancel, determinism ---------------------------------------------------------------


def many_images(folder, n=40):
    for i in range(n):
        save(folder / f"{i:03d}.png", solid((i * 6, 100, 200)))
    return folder


def test_progress_is_reported_and_ends_at_total(tmp_path):
    calls = []
    dataset = load_dataset(many_images(tmp_path), size=8, workers=2, progress=lambda done, total: calls.append((done, total)))
    assert len(dataset) == 40
    assert calls[-1] == (40, 40) and calls[0][1] == 40
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_cancel_raises_dataset_error(tmp_path):
    many_images(tmp_path)
    with pytest.raises(DatasetError, match="cancelled"):
        load_dataset(tmp_path, size=8, cancel=lambda: True)
    polls = []
    with pytest.raises(DatasetError, match="cancelled"):
        load_dataset(tmp_path, size=8, workers=1, cancel=lambda: polls.append(1) or len(polls) > 2)


def test_loading_is_deterministic_and_fingerprint_tracks_changes(tmp_path):
    many_images(tmp_path, 20)
    (tmp_path / "000.txt").write_text("caption")
    first = load_dataset(tmp_path, size=8, workers=3)
    second = load_dataset(tmp_path, size=8, workers=1)
    assert first.fingerprint == second.fingerprint and len(first.fingerprint) == 64
    assert np.array_equal(first.images, second.images) and first.files == second.files
    assert load_dataset(tmp_path, size=16).fingerprint != first.fingerprint
    assert load_dataset(tmp_path, size=8, channels=1).fingerprint != first.fingerprint
    os.utime(tmp_path / "000.txt", ns=(0, 0))
    assert load_dataset(tmp_path, size=8).fingerprint != first.fingerprint


def test_is_demo():
    assert is_demo("demo:shapes") and not is_demo("shapes") and not is_demo(None)
