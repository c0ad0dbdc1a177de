"""The CLI on damaged checkpoints and a full disk: it says which checkpoint it used and why, or what to do."""
import errno
import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.cli import main
from studio.engine.checkpoint import size_text
from studio.engine.export import read_png_parameters

DAMAGED = "damaged (its contents do not match the sha256 written beside it when it was saved)"


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path]:
    """(images, a tiny VAE run trained 12 steps: last.safetensors and step-00000012.safetensors)."""
    root = tmp_path_factory.mktemp("trained")
    rng = np.random.default_rng(0)
    images = root / "pictures"
    images.mkdir()
    for i in range(16):
        img = np.full((12, 12, 3), 240, np.uint8)
        x, y = rng.integers(0, 6, size=2)
        img[y:y + 6, x:x + 6] = (220, 30, 30) if i % 2 else (30, 30, 220)
        Image.fromarray(img).save(images / f"{i:02d}.png")
    run = root / "run"
    code, _, err = run_cli("train", str(images), "--family", "vae", "--out", str(run), "--size", "8",
                           "--preset", "tiny", "--steps", "12", "--batch", "8", "--seed", "3")
    assert code == 0, err
    return images, run


@pytest.fixture
def run(trained, tmp_path) -> Path:
    """A copy of the trained run, to damage."""
    return Path(shutil.copytree(trained[1], tmp_path / "run"))


def flip(path: Path, count: int = 2000) -> None:
    data = bytearray(path.read_bytes())
    start = len(data) - count - 100
    data[start:start + count] = bytes(b ^ 0xFF for b in data[start:start + count])
    path.write_bytes(bytes(data))


def test_sample_says_which_checkpoint_it_used_when_last_is_damaged(run, tmp_path):
    last = run / "checkpoints" / "last.safetensors"
    flip(last)
    code, out, err = run_cli("sample", str(run), "-n", "2", "--out", str(tmp_path / "samples"))
    assert code == 0, err
    assert f"warning: {last}: {DAMAGED}; using step-00000012.safetensors instead (step 12)\n" in err
    assert "wrote 2 images" in out
    params = read_png_parameters(tmp_path / "samples" / "image-0000.png")
    assert Path(params["checkpoint"]).name == "step-00000012.safetensors" and params["checkpoint_step"] == 12


def test_sample_says_when_last_is_cut_short(run, tmp_path):
    last = run / "checkpoints" / "last.safetensors"
    last.write_bytes(last.read_bytes()[:-1000])
    code, _, err = run_cli("sample", str(run), "-n", "1", "--out", str(tmp_path / "samples"))
    assert code == 0, err
    assert f"warning: {last}: the checkpoint is incomplete (" in err
    assert "; using step-00000012.safetensors instead (step 12)\n" in err


def test_latent_says_which_checkpoint_it_used(run, tmp_path):
    flip(run / "checkpoints" / "last.safetensors")
    code, _, err = run_cli("latent", str(run), "--list")
    assert code == 0, err
    assert "using step-00000012.safetensors instead (step 12)" in err


def test_sample_with_no_good_checkpoint_is_one_error_naming_the_run(run, tmp_path):
    for path in (run / "checkpoints").glob("*.safetensors"):
        flip(path)
    code, out, err = run_cli("sample", str(run), "-n", "1", "--out", str(tmp_path / "samples"))
    assert code == 2 and out == ""
    assert err.startswith(f"genstudio: error: {run}: no checkpoint of this run can be used (")
    assert err.endswith("restore its checkpoints folder from a backup, or train again into a new folder\n")
    assert "internal error" not in err and len(err.splitlines()) == 1


def test_sample_from_a_damaged_checkpoint_named_explicitly_is_an_error(run, tmp_path):
    last = run / "checkpoints" / "last.safetensors"
    flip(last)
    code, _, err = run_cli("sample", str(last), "-n", "1", "--out", str(tmp_path / "samples"))
    assert code == 2 and err == f"genstudio: error: {last}: {DAMAGED}\n"


def test_sample_from_an_older_run_without_hashes_works(run, tmp_path):
    for path in (run / "checkpoints").glob("*.sha256"):
        path.unlink()
    code, _, err = run_cli("sample", str(run), "-n", "1", "--out", str(tmp_path / "samples"))
    assert code == 0 and "warning" not in err


def full_disk(monkeypatch, code=errno.ENOSPC, only=""):
    """Every file written from now on (whose name contains `only`) takes 100 bytes and then fails as a full disk
    does."""
    real = os.fdopen

    def fdopen(fd, *args, **kwargs):
        f = real(fd, *args, **kwargs)
        if "w" in (args[0] if args else kwargs.get("mode", "r")) and only in os.readlink(f"/proc/self/fd/{fd}"):
            write = f.write

            def full(data):
                write(data[:100])
                raise OSError(code, os.strerror(code))
            f.write = full
        return f
    monkeypatch.setattr(os, "fdopen", fdopen)


def test_a_full_disk_while_training_names_the_folder_the_space_and_the_last_good_checkpoint(trained, run,
                                                                                           monkeypatch):
    images = trained[0]
    checkpoints = run / "checkpoints"
    before = {p.name: p.read_bytes() for p in checkpoints.iterdir()}
    full_disk(monkeypatch, only=".safetensors.")         # the checkpoints' temporary files
    code, out, err = run_cli("train", str(images), "--out", str(run), "--resume", "--steps", "16")
    monkeypatch.undo()
    assert code == 2, err
    assert "internal error" not in err
    size = size_text(len(before["last.safetensors"]))
    assert (f"genstudio: error: {checkpoints}: no room to save the checkpoint: no space left on device ({size} "
            f"needed); the last good checkpoint, {checkpoints / 'last.safetensors'} (step 12), is unchanged. "
            f"Free at least {size} there (or move the run folder to a disk with room) and resume\n") in err
    assert err.endswith(f"then continue with: genstudio train {images} --out {run} --resume\n")
    assert {p.name: p.read_bytes() for p in checkpoints.iterdir()} == before    # every checkpoint whole


def test_a_full_disk_elsewhere_is_one_line_naming_the_file(run, tmp_path, monkeypatch):
    full_disk(monkeypatch, errno.EDQUOT)
    code, _, err = run_cli("sample", str(run), "-n", "1", "--out", str(tmp_path / "samples"))
    monkeypatch.undo()
    assert code == 2
    assert err.splitlines()[-1] == (f"genstudio: error: {tmp_path / 'samples' / 'image-0000.png'}: Disk quota "
                                    "exceeded; free some space on that disk and try again")
