"""`genstudio train --family diffusion` and `genstudio sample` with prompts: the sampling parameters written
into each PNG read back and regenerate the same image; --frames writes every denoising step."""
import io
import json

import numpy as np
import pytest
import torch
from PIL import Image

from studio.cli import main
from studio.engine.export import read_png_parameters
from studio.engine.families import get_family


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A tiny diffusion run on 16 captioned 8x8 pictures (the Hugging Face metadata.jsonl layout)."""
    root = tmp_path_factory.mktemp("captioned")
    rows = []
    for i in range(16):
        colour, word = ((220, 30, 30), "red") if i % 2 else ((30, 30, 220), "blue")
        img = np.full((8, 8, 3), 240, np.uint8)
        img[2:6, 2:6] = colour
        Image.fromarray(img).save(root / f"{i:02d}.png")
        rows.append(json.dumps({"file_name": f"{i:02d}.png", "text": f"{word} square"}))
    (root / "metadata.jsonl").write_text("\n".join(rows) + "\n")
    run = root.parent / "diffusion-run"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    code, out, err = run_cli("train", str(root), "--family", "diffusion", "--out", str(run), "--size", "8",
                             "--preset", "tiny", "--steps", "4", "--batch", "8")
    torch.set_num_threads(threads)
    assert code == 0, err
    return run


def test_prompted_sample_round_trips_through_the_png_parameters(trained_run, tmp_path):
    out = tmp_path / "samples"
    code, _, err = run_cli("sample", str(trained_run), "-n", "2", "--out", str(out), "--seed", "5",
                           "--prompt", "red square zebra", "--negative", "blue", "--guidance", "2.5",
                           "--steps", "3", "--sampler", "ddim", "--opt", "eta=0.5", "--frames", str(tmp_path / "frames"))
    assert code == 0, err
    assert "warning:" in err and "'zebra'" in err                      # the unknown word is named
    params = read_png_parameters(out / "image-0001.png")
    assert params["seed"] == 6 and params["prompt"] == "red square zebra"
    given = {"eta": 0.5, "negative": "blue", "guidance": 2.5, "steps": 3, "sampler": "ddim"}
    defaults = {o.name: o.default for o in get_family("diffusion").sample_options()}
    assert params["options"] == {**defaults, **given}          # the defaults too: a later default changes nothing
    with Image.open(out / "image-0001.png") as im:
        text = im.text["parameters"]
    assert "Negative prompt: blue" in text and "Steps: 3, Sampler: ddim, CFG scale: 2.5, Seed: 6" in text
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [f"frame-000{i}.png" for i in (1, 2, 3)]

    again = tmp_path / "again"
    opts = [x for name, value in params["options"].items() for x in ("--opt", f"{name}={json.dumps(value)}")]
    code, _, err = run_cli("sample", params["run"], "-n", "1", "--out", str(again), "--seed", str(params["seed"]),
                           "--prompt", params["prompt"], *opts)
    assert code == 0, err
    first = np.asarray(Image.open(out / "image-0001.png")).astype(int)
    second = np.asarray(Image.open(again / "image-0000.png")).astype(int)
    assert np.abs(first - second).max() <= 1          # same image (batch size 2 vs 1: float rounding at most)


def test_sampling_option_errors_are_one_line(trained_run, tmp_path):
    code, _, err = run_cli("sample", str(trained_run), "-n", "1", "--out", str(tmp_path), "--sampler", "euler")
    assert code == 2 and "sampler must be one of" in err and "dpm++2m" in err and "not 'euler'" in err
    code, _, err = run_cli("sample", str(trained_run), "-n", "1", "--out", str(tmp_path), "--opt", "temperature=1")
    assert code == 2 and "unknown sampling option temperature" in err
    for bad, says in (("steps=ten", "steps takes a whole number from 1 to 1000, not 'ten'"),
                      ("steps=2.5", "not 2.5"), ("guidance=-1", "guidance takes a number from"),
                      ("guidance_start=true", "not True")):
        code, _, err = run_cli("sample", str(trained_run), "-n", "1", "--out", str(tmp_path), "--opt", bad)
        assert code == 2 and says in err and err.count("\n") == 1, (bad, err)


def test_aliases_are_refused_by_a_family_without_those_options(tmp_path):
    root = tmp_path / "pictures"
    root.mkdir()
    for i in range(8):
        Image.fromarray(np.full((8, 8, 3), 30 * i, np.uint8)).save(root / f"{i}.png")
    run = tmp_path / "vae"
    code, _, err = run_cli("train", str(root), "--family", "vae", "--out", str(run), "--size", "8", "--preset", "tiny",
                           "--steps", "1", "--batch", "4")
    assert code == 0, err
    code, _, err = run_cli("sample", str(run), "-n", "1", "--out", str(tmp_path / "s"), "--guidance", "3")
    assert code == 2 and "--guidance is not an option of the vae family" in err


def test_sampling_settings_round_trip_through_the_run_folder(trained_run, tmp_path):
    import shutil
    fresh = tmp_path / "fresh-run"
    shutil.copytree(trained_run, fresh)
    config = json.loads((fresh / "config.json").read_text())
    config.pop("sampling", None)
    (fresh / "config.json").write_text(json.dumps(config))
    code, _, err = run_cli("sample", str(fresh), "-n", "1", "--out", str(tmp_path / "x"), "--again")
    assert code == 2 and "no saved sampling settings" in err and str(fresh) in err

    code, _, err = run_cli("sample", str(fresh), "-n", "2", "--out", str(tmp_path / "first"), "--seed", "11",
                           "--prompt", "blue square", "--guidance", "2", "--steps", "3", "--sampler", "ddim")
    assert code == 0, err
    saved = json.loads((fresh / "config.json").read_text())["sampling"]
    assert saved == {"prompt": "blue square", "seed": 11,
                     "options": {"guidance": 2.0, "steps": 3, "sampler": "ddim"}}
    code, _, err = run_cli("sample", str(fresh), "-n", "2", "--out", str(tmp_path / "again"), "--again")
    assert code == 0, err
    for name in ("image-0000.png", "image-0001.png"):
        first, again = (tmp_path / "first" / name), (tmp_path / "again" / name)
        assert np.array_equal(np.asarray(Image.open(first)), np.asarray(Image.open(again)))
        assert read_png_parameters(again)["options"] == read_png_parameters(first)["options"]
    code, _, err = run_cli("sample", str(fresh), "-n", "1", "--out", str(tmp_path / "other"), "--again",
                           "--seed", "3", "--steps", "2")                 # flags override what the run kept
    assert code == 0, err
    params = read_png_parameters(tmp_path / "other" / "image-0000.png")
    assert params["seed"] == 3 and params["prompt"] == "blue square"
    defaults = {o.name: o.default for o in get_family("diffusion").sample_options()}
    assert params["options"] == {**defaults, "guidance": 2.0, "steps": 2, "sampler": "ddim"}
