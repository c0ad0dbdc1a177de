"""The headless CLI: train -> sample, errors as one line, Ctrl-C saves, --resume continues."""
import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.cli import main
from studio.engine.checkpoint import read_meta
from studio.engine.export import read_png_parameters
from studio.engine.families import get_family


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def image_folder(tmp_path) -> Path:
    """24 small images in two labelled sub-folders, plus one broken file."""
    rng = np.random.default_rng(0)
    root = tmp_path / "pictures"
    for label, colour in (("red", (220, 30, 30)), ("blue", (30, 30, 220))):
        (root / label).mkdir(parents=True)
        for i in range(12):
            img = np.full((20, 20, 3), 240, np.uint8)
            x, y = rng.integers(0, 12, size=2)
            img[y:y + 8, x:x + 8] = colour
            Image.fromarray(img).save(root / label / f"{i:02d}.png")
    (root / "red" / "broken.png").write_bytes(b"")
    return root


def test_families_lists_vae_with_capabilities():
    code, out, _ = run_cli("families")
    assert code == 0
    line = next(l for l in out.splitlines() if l.startswith("vae"))
    assert "blurry" in line
    assert "capabilities: encode, latent" in out
    assert "demo:shapes" in out


def test_train_then_sample_writes_pngs_with_parameters(image_folder, tmp_path):
    run = tmp_path / "run"
    code, out, err = run_cli("train", str(image_folder), "--family", "vae", "--out", str(run), "--size", "8",
                             "--preset", "tiny", "--steps", "12", "--batch", "8", "--seed", "3")
    assert code == 0, err
    assert "completed at step 12" in out
    assert "broken.png" in err and "empty" in err        # the skipped file is reported with its reason
    setting = next(l for l in err.splitlines() if l.startswith("  precision: "))
    reason = setting.split(" (", 1)[1]
    assert err.count(reason) == 1                         # the settings say why; the start line does not repeat it
    assert read_meta(run / "checkpoints" / "last.safetensors")["step"] == 12
    assert (run / "metrics.jsonl").read_text().count('"kind": "train"') >= 1

    samples, grid = tmp_path / "samples", tmp_path / "grid.png"
    code, out, err = run_cli("sample", str(run), "-n", "5", "--out", str(samples), "--seed", "7", "--grid", str(grid))
    assert code == 0, err
    pngs = sorted(samples.glob("*.png"))
    assert len(pngs) == 5
    with Image.open(pngs[0]) as im:
        assert im.size == (8, 8)
        assert "parameters" in im.text and "Seed: 7" in im.text["parameters"]
    params = read_png_parameters(pngs[0])
    assert params["family"] == "vae" and params["seed"] == 7 and params["checkpoint_step"] == 12
    # every option is written, the defaults too, so the image regenerates as drawn after a default changes
    assert params["options"] == {o.name: o.default for o in get_family("vae").sample_options()} != {}
    assert grid.exists()

    # same seed, same images
    again = tmp_path / "again"
    assert run_cli("sample", str(run), "-n", "5", "--out", str(again), "--seed", "7")[0] == 0
    for a, b in zip(pngs, sorted(again.glob("*.png"))):
        assert np.array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(b)))

    # every image carries its own seed: image 3 alone, from the seed written in it
    assert read_png_parameters(pngs[3])["seed"] == 10
    alone = tmp_path / "alone"
    assert run_cli("sample", str(run), "-n", "1", "--out", str(alone), "--seed", "10")[0] == 0
    assert np.array_equal(np.asarray(Image.open(pngs[3])), np.asarray(Image.open(alone / "image-0000.png")))


def test_existing_run_is_never_overwritten(image_folder, tmp_path):
    run = tmp_path / "run"
    args = ("train", str(image_folder), "--out", str(run), "--size", "8", "--preset", "tiny", "--steps", "3", "--batch", "8")
    assert run_cli(*args)[0] == 0
    before = (run / "checkpoints" / "last.safetensors").read_bytes()
    code, _, err = run_cli(*args)
    assert code == 2
    assert "already holds a run" in err and "--resume" in err
    assert (run / "checkpoints" / "last.safetensors").read_bytes() == before

    code, out, err = run_cli(*args[:-4], "--steps", "6", "--resume")
    assert code == 0, err
    assert "completed at step 6" in out


def test_export_takes_the_gallery_unless_told_not_to(image_folder, tmp_path):
    import zipfile

    from studio.engine.export import png_bytes
    run = tmp_path / "run"
    assert run_cli("train", str(image_folder), "--out", str(run), "--size", "8", "--preset", "tiny", "--steps", "2",
                   "--batch", "8")[0] == 0
    names = ["20250101-120000-000000-000-seed-1.png", "20250101-120000-000000-001-seed-2.png"]
    (run / "gallery").mkdir()
    for seed, name in enumerate(names):
        image = np.full((8, 8, 3), 40 * seed, np.uint8)
        (run / "gallery" / name).write_bytes(png_bytes(image, {"seed": seed, "gallery_file": name}))

    def gallery_members(path):
        with zipfile.ZipFile(path) as zf:
            return [n.split("/", 1)[1] for n in zf.namelist() if "/gallery/" in n]

    code, out, err = run_cli("export", str(run), "--out", str(tmp_path / "with.zip"), "--samples", "0")
    assert code == 0, err
    assert gallery_members(tmp_path / "with.zip") == [f"gallery/{n}" for n in names]
    code, out, err = run_cli("export", str(run), "--out", str(tmp_path / "without.zip"), "--samples", "0",
                             "--no-gallery")
    assert code == 0, err
    assert gallery_members(tmp_path / "without.zip") == []
    code, out, err = run_cli("import", str(tmp_path / "with.zip"), "--runs", str(tmp_path / "runs"))
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "runs" / "with" / "gallery").iterdir()) == names


@pytest.mark.parametrize("args, words", [
    (("train", "/no/such/folder", "--steps", "1"), ["/no/such/folder"]),
    (("train", "demo:nope", "--steps", "1"), ["nope"]),
    (("sample", "/no/such/run", "--out", "x"), ["/no/such/run"]),
    (("train", "demo:shapes", "--family", "nonesuch"), ["nonesuch", "vae"]),
    (("train", "demo:shapes", "--set", "latent_dim=0", "--size", "8"), ["latent_dim"]),
    (("train", "demo:shapes", "--device", "cuda", "--size", "8", "--steps", "1"), ["cuda"]),
])
def test_errors_are_one_readable_line(args, words, tmp_path):
    code, _, err = run_cli(*args, *(("--out", str(tmp_path / "r")) if args[0] == "train" else ()))
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("genstudio: error:")
    assert "Traceback" not in err
    for word in words:
        assert word in last


def test_not_a_checkpoint_is_refused(tmp_path):
    fake = tmp_path / "run"
    (fake / "checkpoints").mkdir(parents=True)
    code, _, err = run_cli("sample", str(fake), "--out", str(tmp_path / "o"))
    assert code == 2 and "not a genstudio run folder" in err


def test_ctrl_c_stops_cleanly_saves_and_resume_continues(image_folder, tmp_path):
    """SIGINT to a real `genstudio train` process: exit 130, a checkpoint, a hint to resume."""
    run = tmp_path / "run"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "studio", "train", str(image_folder), "--out", str(run), "--size", "8",
           "--preset", "tiny", "--steps", "1000000", "--batch", "8"]
    # A shell without job control starts background jobs with SIGINT ignored, and the child would inherit that:
    # give it the default disposition so Python turns SIGINT into KeyboardInterrupt however the suite is run.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        # Wait until training has started (the metrics log appears after the first logged steps).
        for _ in range(600):
            if (run / "metrics.jsonl").exists():
                break
            try:
                proc.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                pass
        assert proc.poll() is None, proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "--resume" in err
    step = read_meta(run / "checkpoints" / "last.safetensors")["step"]
    assert step > 0

    code, out, err = run_cli("train", str(image_folder), "--out", str(run), "--resume", "--steps", str(step + 4))
    assert code == 0, err
    assert "settings:" not in err and re.search(r"precision: \w+ \(", err)   # no settings above: the start says why
    assert f"completed at step {step + 4}" in out
    records = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines()]
    assert max(r["step"] for r in records) == step + 4


def test_genstudio_opens_the_app_for_app_options_and_the_cli_for_subcommands(monkeypatch):
    import studio.__main__ as entry
    import studio.ui.app
    import studio.ui.selftest
    import studio.ui.platform_check
    calls = []
    monkeypatch.setattr(studio.ui.platform_check, "check_platform", lambda **given: None)   # as on a desktop
    monkeypatch.setattr(studio.ui.app, "main", lambda argv, **checked: calls.append(("app", argv)) or 0)
    monkeypatch.setattr(studio.ui.selftest, "main", lambda argv: calls.append(("self-test", argv)) or 0)
    monkeypatch.setattr("studio.cli.main", lambda argv: calls.append(("cli", argv)) or 0)
    for argv in ([], ["--lang", "zh_CN"], ["-platform", "offscreen"], ["--self-test", "--steps", "2"], ["families"]):
        assert entry.main(argv) == 0
    assert calls == [("app", []), ("app", ["--lang", "zh_CN"]), ("app", ["-platform", "offscreen"]),
                     ("self-test", ["--steps", "2"]), ("cli", ["families"])]
