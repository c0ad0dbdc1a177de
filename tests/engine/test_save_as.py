"""Save run as (studio/engine/save_as.py), and a full disk while training: the Trainer stops with its model in
memory, no periodic checkpoint is deleted to make room, and the live model is saved whole in another folder,
where training continues from the step it had reached."""
from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from studio.engine import checkpoint as checkpoint_module
from studio.engine import save_as as save_as_module
from studio.engine.checkpoint import DiskFullError, hash_path, load_checkpoint
from studio.engine.data import DatasetReport, ImageDataset
from studio.engine.families.vae import VAEConfig
from studio.engine.run import Run, RunError
from studio.engine.save_as import save_run_as
from studio.engine.training import TrainConfig, Trainer


def dataset(n=16, size=8) -> ImageDataset:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, size // 4, size // 4, 3), dtype=np.uint8).repeat(4, 1).repeat(4, 2)
    report = DatasetReport(root="blocky", found=n, loaded=n, skipped=(), labels=(), label_counts={},
                           captioned=0, caption_source="none", channels=3, size=size)
    return ImageDataset(images=np.ascontiguousarray(images), labels=None, captions=("",) * n,
                        files=tuple(f"{i}.png" for i in range(n)), report=report, fingerprint=f"blocky-{n}-{size}")


def config(**changes) -> TrainConfig:
    values = dict(steps=8, batch_size=8, precision="fp32", device="cpu", preview_seconds=0, validate_seconds=0,
                  quality_minutes=0, seed=1, checkpoint_minutes=0, keep_checkpoints=2)    # a periodic save each step
    return TrainConfig(**{**values, **changes})


def trainer(run_dir: Path, **changes) -> Trainer:
    return Trainer(dataset(), run_dir, family="vae", family_config=VAEConfig.from_preset("tiny", latent_dim=4),
                   config=config(**changes))


class DiskFillsAt:
    """Every checkpoint write fails as a full disk does once training reaches `step` (Trainer saves go through
    checkpoint.atomic_write_bytes)."""

    def __init__(self, monkeypatch, trainer: Trainer, step: int):
        self.real, self.trainer, self.step = checkpoint_module.atomic_write_bytes, trainer, step
        self.full = True
        monkeypatch.setattr(checkpoint_module, "atomic_write_bytes", self)

    def __call__(self, path, data):
        if self.full and self.trainer.step >= self.step:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return self.real(path, data)


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def stopped(tmp_path, monkeypatch):
    """A Trainer whose save at step 5 found the disk full: (trainer, the error, the checkpoints before it)."""
    t = trainer(tmp_path / "run")
    disk = DiskFillsAt(monkeypatch, t, 5)
    before = {}
    with pytest.raises(DiskFullError) as info:
        for _ in t.run():
            if t.step == 4:
                before = files(t.run_folder.checkpoints_dir)
    disk.full = False
    return t, info.value, before


def test_a_full_disk_stops_training_with_the_model_in_memory_and_deletes_nothing(stopped):
    t, error, before = stopped
    run = t.run_folder
    assert error.message.id == "checkpoint.disk_full_run" and error.errno == errno.ENOSPC
    assert str(run.checkpoints_dir) in str(error) and f"{run.checkpoint_path()} (step 4)" in str(error)
    assert files(run.checkpoints_dir) == before                    # step-3 and step-4 kept, nothing half-written
    assert sorted(p.name for p in run.checkpoints()) == ["step-00000003.safetensors", "step-00000004.safetensors"]
    assert t.family is not None and t.step == 5                    # the model is still there, one step further


def test_the_live_model_is_saved_elsewhere_whole_and_training_continues_there(stopped, tmp_path):
    t, _, _ = stopped
    source = t.run_folder.path
    target = save_run_as(source, tmp_path / "elsewhere" / "vae-copy", trainer=t)
    copy = Run.open(target)
    ckpt = copy.load_checkpoint()
    assert ckpt.step == 5 and not ckpt.warnings and hash_path(ckpt.path).is_file()
    live = t.family.modules()["encoder"].state_dict()
    saved = ckpt.group("model.encoder")
    assert all(torch.equal(live[k].cpu(), saved[k]) for k in live)
    assert [p.name for p in copy.checkpoints()] == ["step-00000003.safetensors", "step-00000004.safetensors"]
    assert copy.read_metrics() == Run.open(source).read_metrics()
    assert json.loads((target / "config.json").read_text())["family"] == "vae"
    assert not list(target.parent.glob(".*.tmp"))
    assert Run.open(source).load_checkpoint().step == 4            # the source is only read

    resumed = Trainer.resume(target, dataset(), steps=7)
    events = list(resumed.run())
    assert events[0].step == 5 and events[0].resumed and resumed.result.status == "completed"
    assert resumed.result.step == 7 and Path(resumed.result.run_dir) == target


def test_an_open_run_is_copied_whole_without_its_lock_or_leftovers(tmp_path):
    t = trainer(tmp_path / "run", steps=3)
    for _ in t.run():
        pass
    source = t.run_folder.path
    (source / "gallery").mkdir()
    (source / "gallery" / "kept.png").write_bytes(b"png")
    (source / "owner.lock").write_text("{}")
    (source / "checkpoints" / ".last.safetensors.x.tmp").write_bytes(b"partial")
    progress = []
    target = save_run_as(source, tmp_path / "copy", progress=lambda done, total: progress.append((done, total)))
    expected = {k: v for k, v in files(source).items() if k != "owner.lock" and not k.endswith(".tmp")}
    assert files(target) == expected
    assert progress and progress[-1][0] == sum(len(v) for v in expected.values())
    assert Run.open(target).load_checkpoint().step == 3


def test_an_empty_folder_is_used_and_anything_else_is_refused(stopped, tmp_path):
    t, _, _ = stopped
    source = t.run_folder.path
    empty = tmp_path / "empty"
    empty.mkdir()
    assert save_run_as(source, empty) == empty and Run.is_run(empty)
    cases = [(empty, "already holds a run"), (source / "inside", "is inside the run being saved"),
             (source, "is inside the run being saved")]
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    cases.append((tmp_path / "full", "the folder is not empty"))
    for target, says in cases:
        with pytest.raises(RunError) as info:
            save_run_as(source, target, trainer=t)
        assert str(info.value).startswith(f"{target}: ") and says in str(info.value)
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine"


def test_no_room_is_said_before_a_byte_is_written(stopped, tmp_path, monkeypatch):
    t, _, _ = stopped
    monkeypatch.setattr(save_as_module.shutil, "disk_usage", lambda path: SimpleNamespace(free=1000))
    with pytest.raises(RunError) as info:
        save_run_as(t.run_folder.path, tmp_path / "small" / "copy", trainer=t)
    assert str(info.value).startswith(f"{tmp_path / 'small' / 'copy'}: not enough room to save the run there (")
    assert "1000 bytes free); choose a folder on a disk with room" in str(info.value)
    assert not (tmp_path / "small").exists()


def test_a_disk_that_fills_up_during_the_copy_leaves_nothing_there(stopped, tmp_path, monkeypatch):
    t, _, _ = stopped
    real = save_as_module.shutil.copystat
    calls = []

    def full(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real(src, dst)

    monkeypatch.setattr(save_as_module.shutil, "copystat", full)
    with pytest.raises(RunError) as info:
        save_run_as(t.run_folder.path, tmp_path / "copy", trainer=t)
    assert str(info.value).startswith(f"{tmp_path / 'copy'}: not enough room to save the run there (")
    assert not (tmp_path / "copy").exists() and not list(tmp_path.glob(".copy.*"))
    monkeypatch.setattr(save_as_module.shutil, "copystat", real)
    assert save_run_as(t.run_folder.path, tmp_path / "copy", trainer=t) == tmp_path / "copy"   # room again: it works
