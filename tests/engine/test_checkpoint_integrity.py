"""Checkpoint integrity: each checkpoint's sha256 beside it, checked at load; a damaged or cut-short one is never
used (the newest good one is, and the warning says which and why); a full disk is a clear error and keeps every
checkpoint whole."""
from __future__ import annotations

import errno
import json
import os

import pytest
import torch

from studio.engine import checkpoint as checkpoint_module
from studio.engine.checkpoint import (
    CheckpointError, DiskFullError, hash_path, load_checkpoint, read_hashes, read_meta, save_checkpoint,
)
from studio.engine.families.base import DataInfo
from studio.engine.families.vae import VAEConfig
from studio.engine.run import Run, RunError
from studio.engine.training import TrainConfig

DAMAGED = "damaged (its contents do not match the sha256 written beside it when it was saved)"


def weights(step: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(step)
    return {"w": torch.randn(64, 64, generator=g), "b": torch.randn(64, generator=g)}


@pytest.fixture
def run(tmp_path) -> Run:
    """A run with a periodic checkpoint at step 1200 and `last` at step 1300."""
    run = Run.create(tmp_path / "run", family="vae", family_config=VAEConfig.from_preset("tiny").to_dict(),
                     train_config=TrainConfig().to_dict(), data=DataInfo(8, 3), dataset={"source": "synthetic"})
    run.save_checkpoint(weights(1200), {"step": 1200}, periodic=True)
    run.save_checkpoint(weights(1300), {"step": 1300})
    return run


def periodic(run: Run):
    return run.checkpoints_dir / "step-00001200.safetensors"


def assert_falls_back(run: Run, reason: str) -> None:
    """`last` is refused with `reason`; the step-1200 checkpoint is used and the warning says so."""
    last = run.checkpoint_path()
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(last)
    assert str(info.value) == f"{last}: {reason}"
    assert run.latest_checkpoint() == periodic(run)
    ckpt = run.load_checkpoint()
    assert ckpt.step == 1200 and torch.equal(ckpt.tensors["w"], weights(1200)["w"])
    assert [str(w) for w in ckpt.warnings] == [f"{last}: {reason}; using step-00001200.safetensors instead "
                                               "(step 1200)"]
    assert ckpt.warnings[0].id == "checkpoint.used_instead"


# -- what is written -----------------------------------------------------------------------
def test_the_hash_is_written_beside_the_checkpoint_in_sha256sum_format(run):
    import hashlib

    last = run.checkpoint_path()
    digest = hashlib.sha256(last.read_bytes()).hexdigest()
    assert hash_path(last).read_text() == f"{digest}  last.safetensors\n"
    assert read_hashes(last) == (digest,)
    assert sorted(p.name for p in run.checkpoints_dir.iterdir()) == [
        "last.json", "last.safetensors", "last.sha256",
        "step-00001200.json", "step-00001200.safetensors", "step-00001200.sha256"]
    ckpt = run.load_checkpoint()
    assert ckpt.step == 1300 and ckpt.warnings == ()


def test_removing_an_old_periodic_checkpoint_removes_its_hash(run):
    for step in (1400, 1500, 1600):
        run.save_checkpoint(weights(step), {"step": step}, periodic=True, keep=2)
    assert sorted(p.name for p in run.checkpoints_dir.glob("step-*")) == [
        f"step-0000{s}.{ext}" for s in (1500, 1600) for ext in ("json", "safetensors", "sha256")]


# -- damaged checkpoints are never used -------------------------------------------------------------
def test_flipped_bytes_are_refused_and_the_periodic_checkpoint_is_used(run):
    last = run.checkpoint_path()
    data = bytearray(last.read_bytes())
    start = len(data) - 3000                      # 2,000 bytes of tensor data: the file still parses
    data[start:start + 2000] = bytes(b ^ 0xFF for b in data[start:start + 2000])
    last.write_bytes(bytes(data))
    assert read_meta(last)["step"] == 1300        # its structure alone says nothing is wrong
    assert_falls_back(run, DAMAGED)


def test_a_truncated_checkpoint_is_refused_as_incomplete(run):
    last = run.checkpoint_path()
    data = last.read_bytes()
    last.write_bytes(data[:len(data) // 2])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(last)
    assert info.value.message.id == "checkpoint.truncated"
    assert_falls_back(run, str(info.value.message)[len(f"{last}: "):])


def test_a_checkpoint_cut_inside_its_header_is_refused_as_damaged(run):
    last = run.checkpoint_path()
    last.write_bytes(last.read_bytes()[:100])
    assert_falls_back(run, DAMAGED)


def test_a_rewritten_header_is_refused(run):
    """The metadata changed (step 1300 claims to be 9999) with the header still well formed."""
    last = run.checkpoint_path()
    data = last.read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    meta = json.loads(header["__metadata__"]["genstudio"])
    meta["step"] = 9999
    header["__metadata__"]["genstudio"] = json.dumps(meta, sort_keys=True)
    raw = json.dumps(header).encode()
    last.write_bytes(len(raw).to_bytes(8, "little") + raw + data[8 + n:])
    assert read_meta(last)["step"] == 9999        # well formed: only the hash tells
    assert_falls_back(run, DAMAGED)


def test_a_damaged_periodic_checkpoint_is_passed_over_too(run):
    run.save_checkpoint(weights(1250), {"step": 1250}, periodic=True)
    run.save_checkpoint(weights(1300), {"step": 1300})
    run.checkpoint_path().write_bytes(b"\0" * 64)
    newest = run.checkpoints_dir / "step-00001250.safetensors"
    newest.write_bytes(newest.read_bytes()[:-1])
    ckpt = run.load_checkpoint()
    assert ckpt.step == 1200
    (warning,) = ckpt.warnings
    assert str(warning).startswith(f"{run.checkpoint_path()}: {DAMAGED}; {newest}: the checkpoint is incomplete")
    assert str(warning).endswith("; using step-00001200.safetensors instead (step 1200)")


def test_no_good_checkpoint_names_the_run_folder_and_what_to_do(run):
    for path in (run.checkpoint_path(), periodic(run)):
        path.write_bytes(path.read_bytes()[:-10])
    assert run.latest_checkpoint() is None
    with pytest.raises(RunError) as info:
        run.load_checkpoint()
    text = str(info.value)
    assert text.startswith(f"{run.path}: no checkpoint of this run can be used (")
    assert str(run.checkpoint_path()) in text and str(periodic(run)) in text
    assert text.endswith("restore its checkpoints folder from a backup, or train again into a new folder")


def test_a_damaged_checkpoint_named_explicitly_is_an_error(run):
    last = run.checkpoint_path()
    data = bytearray(last.read_bytes())
    data[-1] ^= 1
    last.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="damaged"):
        run.load_checkpoint(last)


# -- checkpoints without a hash (older runs) ----------------------------------------------------------
def test_a_checkpoint_without_a_hash_file_is_accepted_unverified(run):
    last = run.checkpoint_path()
    hash_path(last).unlink()
    assert read_hashes(last) is None
    ckpt = run.load_checkpoint()
    assert ckpt.step == 1300 and ckpt.warnings == ()
    assert run.latest_checkpoint() == last


@pytest.mark.parametrize("content", [b"", b"not a hash\n", b"\xff\xfe", b"0" * 64 + b"  other.safetensors\n"])
def test_an_unreadable_hash_file_leaves_the_checkpoint_unverified(run, content):
    last = run.checkpoint_path()
    hash_path(last).write_bytes(content)
    assert run.load_checkpoint().step == 1300


def test_saving_over_a_checkpoint_without_a_hash_writes_one(run):
    last = run.checkpoint_path()
    hash_path(last).unlink()
    run.save_checkpoint(weights(1400), {"step": 1400})
    assert len(read_hashes(last)) == 1 and load_checkpoint(last).step == 1400


# -- a kill between any two writes never makes a good checkpoint be refused ----------------------------
class Killed(BaseException):
    pass


@pytest.mark.parametrize("with_hash", [True, False], ids=["hashed", "older-run"])
@pytest.mark.parametrize("kill_at", range(5))
def test_a_kill_between_the_writes_leaves_a_checkpoint_that_loads(tmp_path, monkeypatch, kill_at, with_hash):
    """Writes of a save: (hash file listing both), checkpoint, hash file, JSON sidecar. Killed before each."""
    path = save_checkpoint(tmp_path / "last.safetensors", weights(1), {"step": 1})
    if not with_hash:
        hash_path(path).unlink()
    real = checkpoint_module.atomic_write_bytes
    done = []

    def write_or_die(target, data):
        if len(done) == kill_at:
            raise Killed
        real(target, data)
        done.append(target.name)

    monkeypatch.setattr(checkpoint_module, "atomic_write_bytes", write_or_die)
    try:
        save_checkpoint(path, weights(2), {"step": 2})
    except Killed:
        pass
    monkeypatch.undo()
    ckpt = load_checkpoint(path)
    assert ckpt.step in (1, 2) and torch.equal(ckpt.tensors["w"], weights(ckpt.step)["w"])
    assert ckpt.step == (2 if "last.safetensors" in done else 1)
    save_checkpoint(path, weights(3), {"step": 3})          # the next save puts everything right
    assert load_checkpoint(path).step == 3 and len(read_hashes(path)) == 1


# -- a full disk --------------------------------------------------------------------------------------
class FullDisk:
    """os.fdopen whose file takes `room` bytes and then fails as a full disk (or quota) does."""

    def __init__(self, monkeypatch, code=errno.ENOSPC, room=1000, only=""):
        self.real, self.code, self.room, self.only = os.fdopen, code, room, only
        monkeypatch.setattr(os, "fdopen", self)

    def __call__(self, fd, *args, **kwargs):
        f = self.real(fd, *args, **kwargs)
        name = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists(f"/proc/self/fd/{fd}") else ""
        if self.only not in os.path.basename(name):
            return f
        write = f.write

        def full(data):
            write(data[:self.room])
            raise OSError(self.code, os.strerror(self.code))
        f.write = full
        return f


def checkpoint_files(run: Run) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(run.checkpoints_dir.iterdir())}


@pytest.mark.parametrize("code, reason", [(errno.ENOSPC, "no space left on device"),
                                          (errno.EDQUOT, "disk quota exceeded")])
def test_a_full_disk_names_the_folder_the_space_and_the_last_good_checkpoint(run, monkeypatch, code, reason):
    before = checkpoint_files(run)
    FullDisk(monkeypatch, code)
    with pytest.raises(DiskFullError) as info:
        run.save_checkpoint(weights(1400), {"step": 1400}, periodic=True, keep=1)
    monkeypatch.undo()
    size = checkpoint_module.size_text(info.value.needed)
    assert str(info.value) == (
        f"{run.checkpoints_dir}: no room to save the checkpoint: {reason} ({size} needed); the last good checkpoint, "
        f"{run.checkpoint_path()} (step 1300), is unchanged. Free at least {size} there (or move the run folder to "
        f"a disk with room) and resume")
    assert info.value.needed == len(before["last.safetensors"]) and size.endswith("KiB")
    assert isinstance(info.value, OSError) and info.value.errno == code
    assert checkpoint_files(run) == before        # nothing half-written, nothing deleted to make room
    assert run.load_checkpoint().step == 1300 and load_checkpoint(periodic(run)).step == 1200


def test_a_full_disk_while_writing_the_periodic_copy_names_the_new_last(run, monkeypatch):
    FullDisk(monkeypatch, only=".step-00001400")
    with pytest.raises(DiskFullError) as info:
        run.save_checkpoint(weights(1400), {"step": 1400}, periodic=True, keep=1)
    monkeypatch.undo()
    assert f"the last good checkpoint, {run.checkpoint_path()} (step 1400), is unchanged" in str(info.value)
    assert load_checkpoint(periodic(run)).step == 1200      # not deleted: the copy that would replace it failed
    assert not list(run.checkpoints_dir.glob(".*.tmp"))


def test_a_full_disk_at_the_first_save_says_so(tmp_path, monkeypatch):
    run = Run.create(tmp_path / "run", family="vae", family_config=VAEConfig.from_preset("tiny").to_dict(),
                     train_config=TrainConfig().to_dict(), data=DataInfo(8, 3), dataset={"source": "synthetic"})
    FullDisk(monkeypatch)
    with pytest.raises(DiskFullError) as info:
        run.save_checkpoint(weights(10), {"step": 10})
    monkeypatch.undo()
    assert str(info.value).startswith(f"{run.checkpoints_dir}: no room to save the run's first checkpoint: "
                                      "no space left on device (")
    assert list(run.checkpoints_dir.iterdir()) == []


def test_other_write_errors_are_not_called_a_full_disk(tmp_path, monkeypatch):
    FullDisk(monkeypatch, code=errno.EIO)
    with pytest.raises(OSError) as info:
        save_checkpoint(tmp_path / "last.safetensors", weights(1), {"step": 1})
    assert not isinstance(info.value, DiskFullError) and info.value.errno == errno.EIO
