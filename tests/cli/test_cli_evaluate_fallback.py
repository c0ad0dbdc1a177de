"""evaluate and compare say, as sample does, which checkpoint they used when a run's newest one is damaged."""
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.cli import main

DAMAGED = "damaged (its contents do not match the sha256 written beside it when it was saved)"
FEATURE = ("-n", "24", "--feature-steps", "20")


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    """A tiny VAE on 240 drawn 16 px squares (6 steps) whose last.safetensors has flipped bytes; its step-6 copy is
    whole."""
    mp = pytest.MonkeyPatch()
    mp.setenv("GENSTUDIO_CACHE", str(tmp_path_factory.mktemp("cache")))
    images = tmp_path_factory.mktemp("squares")
    rng = np.random.default_rng(0)
    for i in range(240):
        image = np.full((16, 16), 30, np.uint8)
        x, y = rng.integers(0, 10, size=2)
        image[y:y + 6, x:x + 6] = rng.integers(120, 255)
        Image.fromarray(image, mode="L").save(images / f"{i:03d}.png")
    run = tmp_path_factory.mktemp("runs") / "vae"
    code, _, err = cli("train", str(images), "--family", "vae", "--out", str(run), "--steps", "6", "--size", "16",
                       "--preset", "tiny", "--quality-minutes", "0")
    assert code == 0, err
    last = run / "checkpoints" / "last.safetensors"
    data = bytearray(last.read_bytes())
    data[-1100:-100] = bytes(b ^ 0xFF for b in data[-1100:-100])
    last.write_bytes(bytes(data))
    yield run
    mp.undo()


def expected(run: Path) -> str:
    return f"warning: {run / 'checkpoints' / 'last.safetensors'}: {DAMAGED}; using step-00000006.safetensors " \
           "instead (step 6)\n"


def test_evaluate_says_which_checkpoint_it_used(damaged):
    code, out, err = cli("evaluate", str(damaged), *FEATURE)
    assert code == 0, err
    assert expected(damaged) in err and "metric" in out


def test_compare_says_it_for_each_run(damaged, tmp_path):
    other = Path(shutil.copytree(damaged, tmp_path / "copy"))
    code, out, err = cli("compare", str(damaged), str(other), "--out", str(tmp_path / "report"), *FEATURE)
    assert code == 0, err
    assert expected(damaged) in err and expected(other) in err
    assert "report:" in out
