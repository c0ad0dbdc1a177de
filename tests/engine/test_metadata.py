"""Image metadata: PNG, JPEG and WebP carry the AUTOMATIC1111 `parameters` text and the genstudio JSON,
read_image_parameters gives them back, foreign A1111 text parses, junk never raises."""
from __future__ import annotations

import struct

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from studio.engine.export import (
    ImageMetadataError, a1111_parameters, image_bytes, parse_a1111_parameters, read_image_parameters, save_image,
)

PARAMS = {"family": "diffusion", "model": "run-1", "run": "/somewhere/run-1", "checkpoint": "/somewhere/last.safetensors",
          "checkpoint_hash": "0123456789", "checkpoint_step": 40, "seed": 1234, "batch_seed": 1230, "index": 4,
          "prompt": "small red circle, on grey: 中文\nsecond line", "negative_prompt": "blue, square",
          "options": {"steps": 20, "sampler": "dpm++2m", "guidance": 3.5, "negative": "blue, square", "eta": 0.0},
          "steps": 20, "sampler": "dpm++2m", "guidance": 3.5, "version": "0.1.0", "width": 8, "height": 8,
          "latent": [0.1, -2.5, 1 / 3, float(np.float32(0.7))]}
FOREIGN = "a red circle\nNegative prompt: blue\nSteps: 20, Sampler: DPM++ 2M, CFG scale: 7, Seed: 42, Size: 512x512, Model hash: abc"


def picture(size=8):
    return np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)


def a1111_reads(path) -> str | None:
    """What AUTOMATIC1111's PNG Info tab reads (modules/images.py read_info_from_image): the `parameters`
    text chunk, else EXIF UserComment decoded by its 8-byte prefix (piexif.helper.UserComment.load:
    UNICODE is UTF-16 big-endian)."""
    with Image.open(path) as im:
        if "parameters" in im.info:
            return im.info["parameters"]
        comment = im.getexif().get_ifd(0x8769).get(0x9286)
    assert comment[:8] == b"UNICODE\x00"
    return comment[8:].decode("utf-16-be")


@pytest.mark.parametrize("suffix,fmt", [(".png", "PNG"), (".jpg", "JPEG"), (".jpeg", "JPEG"), (".webp", "WEBP")])
def test_write_then_read_gives_the_same_parameters(tmp_path, suffix, fmt):
    path = save_image(tmp_path / f"a{suffix}", picture(), PARAMS)
    assert read_image_parameters(path) == PARAMS               # floats of the latent exactly, unicode prompt
    with Image.open(path) as im:
        assert im.format == fmt
        pixels = np.asarray(im)
    assert a1111_reads(path) == a1111_parameters(PARAMS)
    assert parse_a1111_parameters(a1111_reads(path))["prompt"] == PARAMS["prompt"]
    if fmt != "JPEG":                                          # PNG and WebP are lossless
        np.testing.assert_array_equal(pixels, picture())
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_a1111_text_parses_back_to_the_same_fields():
    parsed = parse_a1111_parameters(a1111_parameters(PARAMS))
    assert parsed["source"] == "a1111"
    for key in ("prompt", "negative_prompt", "steps", "sampler", "guidance", "seed", "width", "height", "model"):
        assert parsed[key] == PARAMS[key], key
    assert parsed["checkpoint_hash"] == PARAMS["checkpoint_hash"]


def test_foreign_a1111_text():
    parsed = parse_a1111_parameters(FOREIGN)
    assert parsed["prompt"] == "a red circle" and parsed["negative_prompt"] == "blue"
    assert (parsed["steps"], parsed["sampler"], parsed["guidance"], parsed["seed"]) == (20, "DPM++ 2M", 7.0, 42)
    assert (parsed["width"], parsed["height"], parsed["checkpoint_hash"]) == (512, 512, "abc")
    multi = parse_a1111_parameters('line one\nline two\nNegative prompt: bad\nworse\n'
                                   'Steps: 30, Sampler: Euler a, CFG scale: 5.5, Seed: 7, Lora: "a, b: c", Size: 64x32')
    assert multi["prompt"] == "line one\nline two" and multi["negative_prompt"] == "bad\nworse"
    assert multi["fields"]["Lora"] == "a, b: c" and (multi["width"], multi["height"]) == (64, 32)
    assert parse_a1111_parameters("just a prompt, with: a colon") == {
        "source": "a1111", "prompt": "just a prompt, with: a colon", "negative_prompt": "", "fields": {}}


@pytest.mark.parametrize("junk", [None, 12, b"\xff\xfe\x00", "", "\x00" * 40, "Steps: x, Seed: 1e999, CFG scale: nan",
                                  'p\nSteps: "unterminated, Seed: 3, Size: axb', "Negative prompt:", "\n" * 5 + ":,:,:",
                                  "a" * 100_000 + "\nSteps: 1, Seed: 2, CFG scale: 3"])
def test_junk_text_never_raises(junk):
    parsed = parse_a1111_parameters(junk)
    assert parsed["source"] == "a1111" and isinstance(parsed["prompt"], str)
    for key, kind in (("steps", int), ("seed", int), ("guidance", float)):
        assert key not in parsed or isinstance(parsed[key], kind)
    assert "guidance" not in parsed or np.isfinite(parsed["guidance"])


def test_a_foreign_png_and_jpeg_give_their_a1111_fields(tmp_path):
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", FOREIGN)
    Image.new("RGB", (8, 8), (200, 0, 0)).save(tmp_path / "sd.png", pnginfo=info)
    parsed = read_image_parameters(tmp_path / "sd.png")
    assert parsed["source"] == "a1111" and parsed["prompt"] == "a red circle" and parsed["seed"] == 42
    # a little-endian EXIF (as exiftool writes on Intel files): UNICODE follows the file's byte order
    exif = Image.Exif()
    exif.endian = "<"
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + FOREIGN.encode("utf-16-le")
    Image.new("RGB", (8, 8)).save(tmp_path / "le.jpg", exif=exif.tobytes())
    with Image.open(tmp_path / "le.jpg") as im:
        assert im.info["exif"][6:8] == b"II"
    assert read_image_parameters(tmp_path / "le.jpg")["negative_prompt"] == "blue"
    ascii_exif = Image.Exif()
    ascii_exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00" + FOREIGN.encode()
    Image.new("RGB", (8, 8)).save(tmp_path / "ascii.webp", exif=ascii_exif.tobytes())
    assert read_image_parameters(tmp_path / "ascii.webp")["steps"] == 20


def test_images_without_parameters_and_junk_metadata(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.jpg")
    assert read_image_parameters(tmp_path / "plain.png") is None
    assert read_image_parameters(tmp_path / "plain.jpg") is None
    info = PngImagePlugin.PngInfo()
    info.add_text("genstudio", "{not json")
    info.add_text("parameters", "\x00\x01 junk")
    Image.new("RGB", (8, 8)).save(tmp_path / "junk.png", pnginfo=info)
    assert read_image_parameters(tmp_path / "junk.png")["source"] == "a1111"      # the JSON is junk: the text is used
    info = PngImagePlugin.PngInfo()
    info.add_text("genstudio", "[1, 2, 3]")
    Image.new("RGB", (8, 8)).save(tmp_path / "list.png", pnginfo=info)
    assert read_image_parameters(tmp_path / "list.png") is None
    # an EXIF block whose IFD offset points past its end, and a UserComment with an unknown prefix
    broken = b"Exif\x00\x00MM\x00\x2a" + struct.pack(">I", 10_000)
    Image.new("RGB", (8, 8)).save(tmp_path / "broken.jpg", exif=broken)
    assert read_image_parameters(tmp_path / "broken.jpg") is None
    odd = Image.Exif()
    odd.get_ifd(0x8769)[0x9286] = b"WHATEVER" + b"text"
    odd[0x010E] = '{"genstudio": "not a dict"}'
    Image.new("RGB", (8, 8)).save(tmp_path / "odd.jpg", exif=odd.tobytes())
    assert read_image_parameters(tmp_path / "odd.jpg") is None


def test_unreadable_files_name_the_file(tmp_path):
    for name, content in (("missing.png", None), ("text.png", b"not an image"), ("empty.jpg", b"")):
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(ImageMetadataError, match=name):
            read_image_parameters(path)
    with pytest.raises(ImageMetadataError, match="folder"):
        read_image_parameters(tmp_path)


def test_formats_refused_and_jpeg_size_limit(tmp_path):
    with pytest.raises(ImageMetadataError, match="a.bmp"):
        save_image(tmp_path / "a.bmp", picture(), PARAMS)
    big = {**PARAMS, "latent": [float(np.float32(v)) for v in np.random.default_rng(1).normal(size=4000)]}
    with pytest.raises(ImageMetadataError, match="PNG or WebP"):
        image_bytes(picture(), big, "JPEG")
    path = save_image(tmp_path / "big.webp", picture(), big)            # WebP has no 64 KB EXIF limit
    assert read_image_parameters(path)["latent"] == big["latent"]
    assert not (tmp_path / "a.bmp").exists()


def test_image_checkpoint_finds_the_file_that_made_the_image(tmp_path):
    from studio.engine.checkpoint import file_hash
    from studio.engine.export import image_checkpoint

    ckpts = tmp_path / "run" / "checkpoints"
    ckpts.mkdir(parents=True)
    (ckpts / "last.safetensors").write_bytes(b"step 90 weights")
    (ckpts / "step-00000040.safetensors").write_bytes(b"step 40 weights")
    params = {"run": str(tmp_path / "run"), "checkpoint": str(ckpts / "last.safetensors"), "checkpoint_step": 40,
              "checkpoint_hash": file_hash(ckpts / "step-00000040.safetensors")}
    assert image_checkpoint(params) == ckpts / "step-00000040.safetensors"        # `last` has moved on
    assert image_checkpoint({**params, "checkpoint_hash": file_hash(ckpts / "last.safetensors")}) == \
        ckpts / "last.safetensors"
    assert image_checkpoint({**params, "checkpoint_hash": "0000000000"}) is None
    assert image_checkpoint({**params, "checkpoint_step": "40", "checkpoint": 5, "run": None}) is None
    assert image_checkpoint({"checkpoint_hash": None}) is None
