"""`genstudio latent`: slider sweeps and interpolation strips as PNGs with parameters."""
import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from studio.cli import main
from studio.engine.export import read_png_parameters


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    """A tiny VAE trained for a few steps on 8x8 red and blue squares in labelled folders."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("cli-latent")
    rng = np.random.default_rng(0)
    for label, colour in (("red", (220, 30, 30)), ("blue", (30, 30, 220))):
        (root / "pictures" / label).mkdir(parents=True)
        for i in range(10):
            img = np.full((8, 8, 3), 240, np.uint8)
            x, y = rng.integers(0, 4, size=2)
            img[y:y + 4, x:x + 4] = colour
            Image.fromarray(img).save(root / "pictures" / label / f"{i:02d}.png")
    run = root / "run"
    code, _, err = run_cli("train", str(root / "pictures"), "--family", "vae", "--out", str(run), "--size", "8",
                           "--preset", "tiny", "--steps", "10", "--batch", "8", "--seed", "1")
    torch.set_num_threads(before)
    assert code == 0, err
    return run


def test_list_names_the_label_directions(trained_run):
    code, out, _ = run_cli("latent", str(trained_run), "--list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split("\t")[0] in ("red", "blue") and "\tattribute\trange " in lines[0]
    assert any(l.startswith("PC1 (") for l in lines) and any(l.startswith("z0 (KL") for l in lines)


def test_sweep_writes_a_png_per_value_and_a_strip(trained_run, tmp_path):
    out_dir = tmp_path / "sweep"
    code, out, err = run_cli("latent", str(trained_run), "--direction", "red", "--direction", "pc1",
                             "--out", str(out_dir), "--steps", "5", "--seed", "3")
    assert code == 0, err
    assert sorted(p.name for p in out_dir.glob("red*.png")) == [f"red-{i:02d}.png" for i in range(5)] + ["red.png"]
    assert (out_dir / "pc1.png").exists()
    params = [read_png_parameters(out_dir / f"red-{i:02d}.png") for i in range(5)]
    assert all(p["direction"] == "red" and p["seed"] == 3 and p["family"] == "vae" for p in params)
    values = [p["value"] for p in params]
    assert values[0] == pytest.approx(params[0]["low"]) and values[-1] == pytest.approx(params[0]["high"])
    assert values == sorted(values)
    strip = np.asarray(Image.open(out_dir / "red.png"))
    assert strip.shape[1] > strip.shape[0] * 4                                    # one row of five images


def test_interpolation_between_seeds_and_between_images(trained_run, tmp_path):
    code, _, err = run_cli("latent", str(trained_run), "--interpolate", "0", "5", "--out", str(tmp_path / "a"),
                           "--steps", "4", "--fps", "5", "--scale", "2")
    assert code == 0, err
    first = read_png_parameters(tmp_path / "a" / "interpolation-00.png")
    assert first["from"] == {"seed": 0} and first["to"] == {"seed": 5} and first["mode"] == "slerp"
    assert (tmp_path / "a" / "interpolation.png").exists()
    for name, fmt in (("interpolation.gif", "GIF"), ("interpolation.apng", "PNG")):     # a loop: 4 + 2 back
        with Image.open(tmp_path / "a" / name) as im:
            assert im.format == fmt and im.n_frames == 6 and im.info["duration"] == 200
            assert im.size == (2 * first["width"], 2 * first["height"])
    pictures = sorted((trained_run.parent / "pictures").rglob("*.png"))
    code, _, err = run_cli("latent", str(trained_run), "--interpolate", str(pictures[0]), str(pictures[-1]),
                           "--out", str(tmp_path / "b"), "--steps", "3", "--mode", "lerp")
    assert code == 0, err
    assert read_png_parameters(tmp_path / "b" / "interpolation-02.png")["to"] == {"image": str(pictures[-1])}


def test_bad_input_is_one_line(trained_run, tmp_path):
    code, _, err = run_cli("latent", str(trained_run), "--direction", "purple", "--out", str(tmp_path))
    assert code == 2 and "no latent direction named 'purple'; known: " in err and "red" in err
    code, _, err = run_cli("latent", str(trained_run), "--interpolate", "0", str(tmp_path / "missing.png"),
                           "--out", str(tmp_path))
    assert code == 2 and "neither a seed" in err
    code, _, err = run_cli("latent", str(trained_run), "--direction", "red")
    assert code == 2 and "--out" in err
