"""The quick cases of the fault suite (benchmarks/faults.py): what the CLI says when a fault hits, and that the run
still samples and resumes afterwards. A fault is a monkeypatch here; the suite puts the same faults into a real
CLI process."""
import errno
import io
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from studio.cli import main
from studio.engine import data as data_module
from studio.engine.families.base import get_family

ROOT = Path(__file__).resolve().parents[2]
TINY = ("--family", "vae", "--size", "8", "--preset", "tiny", "--batch", "8", "--seed", "3", "--quality-minutes", "0")


def run_cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def pictures(folder: Path, n: int = 16, captions: bool = False) -> Path:
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    for i in range(n):
        img = np.full((12, 12, 3), 240, np.uint8)
        x, y = rng.integers(0, 6, size=2)
        img[y:y + 6, x:x + 6] = (220, 30, 30) if i % 2 else (30, 30, 220)
        Image.fromarray(img).save(folder / f"{i:02d}.png")
        if captions:
            (folder / f"{i:02d}.txt").write_text("a square")
    return folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path]:
    """(images, a tiny VAE run trained 8 steps)."""
    root = tmp_path_factory.mktemp("faults")
    images = pictures(root / "pictures")
    code, _, err = run_cli("train", images, "--out", root / "run", *TINY, "--steps", "8")
    assert code == 0, err
    return images, root / "run"


@pytest.fixture
def run(trained, tmp_path) -> Path:
    return Path(shutil.copytree(trained[1], tmp_path / "run"))


def samples(run: Path, out: Path) -> None:
    code, text, err = run_cli("sample", run, "-n", "2", "--out", out)
    assert code == 0 and "wrote 2 images" in text, err


def fail_at_call(monkeypatch, n: int, error: BaseException) -> None:
    """The VAE's nth train_step raises `error`."""
    cls = get_family("vae")
    real, calls = cls.train_step, []

    def train_step(self, batch, ctx):
        calls.append(1)
        if len(calls) == n:
            raise error
        return real(self, batch, ctx)

    monkeypatch.setattr(cls, "train_step", train_step)


def test_out_of_memory_says_what_to_do_and_a_smaller_batch_continues(trained, run, monkeypatch, tmp_path):
    images, _ = trained
    fail_at_call(monkeypatch, 3, torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    code, _, err = run_cli("train", images, "--out", run, "--resume", "--steps", "16")
    assert code == 2 and "Traceback" not in err
    assert ("genstudio: training failed at step 10: out of memory on cpu at batch size 8, 8px: try a smaller "
            "batch") in err
    assert f"the run is saved: {run / 'checkpoints' / 'last.safetensors'}\n" in err
    assert f"continue with a smaller batch: genstudio train {images} --out {run} --resume --batch 4\n" in err
    monkeypatch.undo()
    code, _, err = run_cli("train", images, "--out", run, "--resume", "--steps", "16", "--batch", "4")
    assert code == 0 and "starting at step 10" in err, err
    assert '"batch_size": 4' in (run / "config.json").read_text()
    samples(run, tmp_path / "samples")


def test_a_nan_weight_is_rolled_back_and_the_run_still_samples(trained, run, monkeypatch, tmp_path):
    images, _ = trained
    cls = get_family("vae")
    real, calls = cls.train_step, []

    def train_step(self, batch, ctx):
        calls.append(1)
        if len(calls) == 2:
            with torch.no_grad():
                next(next(iter(self.modules().values())).parameters()).fill_(float("nan"))
        return real(self, batch, ctx)

    monkeypatch.setattr(cls, "train_step", train_step)
    code, out, err = run_cli("train", images, "--out", run, "--resume", "--steps", "14")
    assert code == 0 and "Traceback" not in err
    assert "warning: losses were not finite for 5 steps in a row: rolled back to step 8" in err
    assert "completed at step 14" in out
    samples(run, tmp_path / "samples")


def test_a_read_only_run_folder_is_a_clear_message_before_training(trained, run, monkeypatch, tmp_path):
    images, _ = trained
    from studio.engine import runlock

    def refuse(path, record):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(runlock, "_create_exclusive", refuse)
    code, _, err = run_cli("train", images, "--out", run, "--resume", "--steps", "12")
    assert code == 2 and "internal error" not in err and "Traceback" not in err
    assert (f"genstudio: error: {run}: training cannot write into the run folder (read-only file system); make it "
            "writable") in err
    samples(run, tmp_path / "samples")                     # sampling needs no write into the run


def test_weights_that_do_not_fit_in_a_checkpoint_without_its_hash_are_passed_over(run, trained, tmp_path):
    """A header rewritten (a shape swapped) where no .sha256 can tell: the newest checkpoint whose weights fit
    is used, and both sample and resume say which and why."""
    import json

    last = run / "checkpoints" / "last.safetensors"
    raw = last.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    key = next(k for k, v in sorted(header.items()) if k.startswith("ema.") and len(v.get("shape", ())) == 2
               and v["shape"][0] != v["shape"][1])
    header[key]["shape"] = header[key]["shape"][::-1]
    text = json.dumps(header, separators=(",", ":")).encode()
    last.write_bytes(raw[:8] + text + b" " * (n - len(text)) + raw[8 + n:])
    (run / "checkpoints" / "last.sha256").unlink()
    code, _, err = run_cli("sample", run, "-n", "1", "--out", tmp_path / "samples")
    assert code == 0 and f"warning: {last}: the weights of " in err
    assert "do not fit this model" in err and "using step-00000008.safetensors instead (step 8)" in err
    code, _, err = run_cli("train", trained[0], "--out", run, "--resume", "--steps", "10")
    assert code == 0 and "starting at step 8" in err, err


def test_dataset_files_deleted_and_cut_short_while_loading_are_skipped_by_name(tmp_path, monkeypatch):
    images = pictures(tmp_path / "pictures", n=20, captions=True)
    real = data_module._scan_source

    def scan(root, cancel):
        found = real(root, cancel)
        (images / "19.png").unlink()
        (images / "18.png").write_bytes((images / "18.png").read_bytes()[:40])
        (images / "00.txt").unlink()
        return found

    monkeypatch.setattr(data_module, "_scan_source", scan)
    code, out, err = run_cli("train", images, "--out", tmp_path / "run", *TINY, "--steps", "2")
    assert code == 0 and "Traceback" not in err
    assert "skipped 2 file(s):\n  18.png: corrupt PNG: not readable as an image\n" in err
    assert "  19.png: cannot read: no such file or directory" in err
    assert "completed at step 2" in out


@pytest.fixture(scope="module")
def exported(trained, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("exported") / "run.zip"
    code, _, err = run_cli("export", trained[1], "--out", path, "--samples", "0")
    assert code == 0, err
    return path


def test_a_hostile_archive_is_refused_naming_it_and_leaves_nothing(exported, tmp_path):
    with zipfile.ZipFile(exported) as zf:
        files = {i.filename: zf.read(i) for i in zf.infolist()}
    top = next(iter(files)).split("/")[0]
    files[f"{top}/checkpoints/last.safetensors"] = pickle.dumps({"weights": [1, 2, 3]})
    hostile = tmp_path / "hostile.zip"
    with zipfile.ZipFile(hostile, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    runs = tmp_path / "runs"
    code, _, err = run_cli("import", hostile, "--runs", runs)
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"genstudio: error: {hostile}: refused: ") and "pickle" in err, err
    assert not runs.exists() or not any(runs.iterdir())


def test_an_imported_run_checks_its_checkpoints_hash(exported, tmp_path):
    """An import writes each checkpoint's .sha256 (checked against the export's manifest), so flipped bytes in an
    imported run's checkpoint are caught like those of a run trained here."""
    code, out, err = run_cli("import", exported, "--runs", tmp_path / "runs")
    assert code == 0, err
    imported = Path(out.strip().split(" as ")[-1])
    last = imported / "checkpoints" / "last.safetensors"
    assert (imported / "checkpoints" / "last.sha256").read_text().endswith("  last.safetensors\n")
    data = bytearray(last.read_bytes())
    data[-3000:-1000] = bytes(b ^ 0xFF for b in data[-3000:-1000])
    last.write_bytes(bytes(data))
    code, _, err = run_cli("sample", imported, "-n", "1", "--out", tmp_path / "samples")
    assert code == 2 and f"{last}: damaged" in err and "Traceback" not in err


@pytest.mark.skipif(sys.platform != "linux", reason="the fault hook finds files through /proc")
def test_sigkill_during_a_save_loses_no_checkpoint(trained, tmp_path):
    """The real CLI, killed (SIGKILL) between writing a checkpoint and renaming it into place: the run samples and
    resumes from its newest whole checkpoint, and no temporary file is left."""
    images, _ = trained
    run = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "FAULTS_DIR": str(run), "PYTHONPATH": str(ROOT)}
    killed = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "faults.py"), "--inject", "kill:renaming@2",
                             "--", "train", str(images), "--out", str(run), *TINY, "--steps", "30",
                             "--checkpoint-minutes", "0.001"], capture_output=True, text=True, env=env, cwd=ROOT,
                            timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "Traceback" not in killed.stderr
    assert list((run / "checkpoints").glob(".last.safetensors.*.tmp"))            # the kill left its temp file
    saved = re.findall(r"^step (\d+): saved ", killed.stderr, re.MULTILINE)
    assert len(saved) == 1, killed.stderr                # the first save was told; the second was killed
    samples(run, tmp_path / "samples")
    code, _, err = run_cli("train", images, "--out", run, "--resume", "--steps", "32")
    assert code == 0 and f"starting at step {saved[0]}\n" in err, err
    assert not list((run / "checkpoints").glob(".*.tmp"))


def test_resuming_a_run_killed_before_its_first_save_says_what_to_do(trained, tmp_path):
    images, _ = trained
    from studio.engine.families.base import DataInfo
    from studio.engine.families.vae import VAEConfig
    from studio.engine.run import Run
    from studio.engine.training import TrainConfig

    run = Run.create(tmp_path / "run", family="vae", family_config=VAEConfig.from_preset("tiny").to_dict(),
                     train_config=TrainConfig().to_dict(), data=DataInfo(8, 3), dataset={}).path
    code, _, err = run_cli("train", images, "--out", run, "--resume", "--steps", "4")
    assert code == 2 and err == (f"genstudio: error: {run}: the run stopped before its first checkpoint was saved, so "
                                 "there is nothing to resume; delete the folder and train again (or train into "
                                 "another --out)\n")
