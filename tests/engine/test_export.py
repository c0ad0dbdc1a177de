"""studio.engine.export: PNG parameters read back, animations (GIF and APNG) and free file names."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from studio.engine.export import free_path, read_png_parameters, save_animation, save_png

PARAMS = {"family": "vae", "seed": 7, "prompt": "small red circle", "negative_prompt": "blue, square",
          "options": {"temperature": 0.5}, "steps": 20, "width": 8, "height": 8}


def frames(n=5, size=8, channels=3):
    """n distinct frames: frame k is a flat grey of value 40 * k."""
    return [np.full((size, size, channels), 40 * k, np.uint8) for k in range(n)]


def test_png_parameters_read_back(tmp_path):
    path = save_png(tmp_path / "a.png", frames()[2], PARAMS)
    assert read_png_parameters(path) == PARAMS
    with Image.open(path) as im:
        assert im.text["parameters"].startswith("small red circle\nNegative prompt: blue, square\n")
        assert "Seed: 7" in im.text["parameters"]


@pytest.mark.parametrize("name,fmt", [("a.gif", "GIF"), ("a.png", "PNG"), ("a.apng", "PNG")])
@pytest.mark.parametrize("channels", [1, 3])
def test_animation_has_every_frame(tmp_path, name, fmt, channels):
    path = save_animation(tmp_path / name, frames(5, channels=channels), PARAMS, fps=20)
    with Image.open(path) as im:
        assert im.format == fmt and im.n_frames == 5
        im.seek(3)
        assert abs(int(np.asarray(im.convert("L"))[0, 0]) - 120) <= 2
    assert not list(tmp_path.glob(".*.tmp"))                # the temp file was renamed into place


def test_animation_carries_its_parameters(tmp_path):
    assert read_png_parameters(save_animation(tmp_path / "a.png", frames(3), PARAMS)) == PARAMS
    with Image.open(save_animation(tmp_path / "a.gif", frames(3), PARAMS)) as im:
        assert json.loads(im.info["comment"]) == PARAMS


def test_animation_refuses_bad_input(tmp_path):
    with pytest.raises(ValueError, match="a.jpg"):
        save_animation(tmp_path / "a.jpg", frames(2))
    with pytest.raises(ValueError, match="differ in size"):
        save_animation(tmp_path / "a.gif", [np.zeros((8, 8, 3), np.uint8), np.zeros((4, 4, 3), np.uint8)])
    with pytest.raises(ValueError, match="at least one"):
        save_animation(tmp_path / "a.gif", [])
    assert not list(tmp_path.iterdir())


def test_free_path_never_names_an_existing_file(tmp_path):
    assert free_path(tmp_path / "x.png") == tmp_path / "x.png"
    (tmp_path / "x.png").write_bytes(b"keep")
    (tmp_path / "x-2.png").write_bytes(b"keep")
    assert free_path(tmp_path / "x.png") == tmp_path / "x-3.png"


def test_generation_params_are_the_same_from_the_cli_and_the_app():
    from studio.engine.export import a1111_parameters, generation_params

    params = generation_params({"family": "diffusion", "model": "run1", "checkpoint_hash": "abc"}, seed=7,
                               prompt="red circle", options={"steps": 20, "guidance": 0.0, "negative": ""},
                               image_size=32, version="0.1.0")
    assert params["options"] == {"steps": 20, "guidance": 0.0, "negative": ""}
    assert params["steps"] == 20 and params["guidance"] == 0.0 and "negative_prompt" not in params
    assert params["seed"] == 7 and params["width"] == params["height"] == 32 and params["model"] == "run1"
    text = a1111_parameters(params)
    assert text.splitlines()[0] == "red circle" and "Negative prompt" not in text and "CFG scale: 0.0" in text
