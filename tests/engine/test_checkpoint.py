"""studio.engine.checkpoint: safetensors + JSON, atomic writes, never unpickles, survives SIGKILL."""
from __future__ import annotations

import inspect
import json
import os
import pickle
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save as st_save_bytes
from safetensors.torch import save_file

from synthetic import synthetic_dataset
from studio.engine import checkpoint as checkpoint_module
from studio.engine.checkpoint import (
    FORMAT, META_KEY, VERSION, CheckpointError, atomic_write_bytes, atomic_write_text, load_checkpoint,
    read_meta, save_checkpoint,
)

REPO = Path(__file__).resolve().parents[2]


def bits(t: torch.Tensor) -> bytes:
    """The raw bytes of a tensor (NaN payloads, -0.0 and bf16 included)."""
    flat = t.detach().reshape(-1).contiguous()
    if flat.dtype == torch.bool:
        flat = flat.to(torch.uint8)
    return flat.view(torch.uint8).numpy().tobytes()


def sample_tensors() -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    special = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0, 1e-45, 3.0])
    base = torch.arange(12, dtype=torch.float32)
    weight = torch.randn(4, 5, generator=g)
    return {
        "f32": torch.randn(3, 4, generator=g),
        "special": special,
        "f16": torch.randn(5, generator=g).half(),
        "bf16": torch.randn(2, 3, generator=g).bfloat16(),
        "f64": torch.randn(2, generator=g).double(),
        "i64": torch.tensor([-(2**62), 0, 7]),
        "i32": torch.tensor([1, -2], dtype=torch.int32),
        "u8": torch.arange(256, dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(2.5),
        "transposed": weight.t(),                     # not contiguous
        "tied.a": weight, "tied.b": weight,           # the same tensor twice (tied weights)
        "view.head": base[:5], "view.tail": base[5:],  # two views of one storage
    }


def writes(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- round trip ---------------------------------------------------------------------------
def test_save_load_round_trip_is_bit_identical(tmp_path):
    tensors = sample_tensors()
    meta = {"step": 12, "nested": {"list": [1, 2.5, None, True], "text": "naïve ✓"}, "lr": 0.1 + 0.2}
    path = save_checkpoint(tmp_path / "model.safetensors", tensors, meta)

    assert path == tmp_path / "model.safetensors"
    assert writes(tmp_path) == ["model.json", "model.safetensors", "model.sha256"]   # no temp files left
    ckpt = load_checkpoint(path)
    assert set(ckpt.tensors) == set(tensors)
    for key, original in tensors.items():
        loaded = ckpt.tensors[key]
        assert loaded.dtype == original.dtype and loaded.shape == original.shape, key
        assert bits(loaded) == bits(original), key
    assert ckpt.meta == {"format": FORMAT, "version": VERSION, **meta}
    assert ckpt.step == 12 and ckpt.path == path
    assert ckpt.group("tied") == {"a": ckpt.tensors["tied.a"], "b": ckpt.tensors["tied.b"]}
    assert read_meta(path) == ckpt.meta
    sidecar = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert sidecar == ckpt.meta


def test_saving_again_replaces_the_checkpoint_and_its_sidecar(tmp_path):
    path = tmp_path / "last.safetensors"
    save_checkpoint(path, {"w": torch.zeros(3)}, {"step": 1})
    save_checkpoint(path, {"w": torch.ones(3)}, {"step": 2})
    ckpt = load_checkpoint(path)
    assert ckpt.step == 2 and torch.equal(ckpt.tensors["w"], torch.ones(3))
    assert json.loads(path.with_suffix(".json").read_text())["step"] == 2
    assert writes(tmp_path) == ["last.json", "last.safetensors", "last.sha256"]


def test_loaded_tensors_do_not_alias_the_saved_ones(tmp_path):
    w = torch.zeros(4)
    path = save_checkpoint(tmp_path / "c.safetensors", {"w": w}, {"step": 0})
    loaded = load_checkpoint(path).tensors["w"]
    loaded += 1
    assert torch.equal(w, torch.zeros(4))


# -- refusing what is not a genstudio checkpoint -------------------------------------------
def _safetensors_with(meta: dict | None) -> bytes:
    return st_save_bytes({"w": torch.zeros(2)}, metadata=meta)


NOT_CHECKPOINTS = {
    "random bytes": lambda: np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
    "text": lambda: b"This is a text file, not a checkpoint.\n" * 20,
    "empty": lambda: b"",
    "seven bytes": lambda: b"\x01\x02\x03\x04\x05\x06\x07",
    "huge header length": lambda: (2**40).to_bytes(8, "little") + b"{}",
    "header longer than file": lambda: (500).to_bytes(8, "little") + b'{"a": 1}',
    "header not json": lambda: (4).to_bytes(8, "little") + b"\xff\xfe{x",
    "header a list": lambda: (2).to_bytes(8, "little") + b"[]",
    "png": lambda: b"\x89PNG\r\n\x1a\n" + bytes(64),
    "safetensors without metadata": lambda: _safetensors_with(None),
    "safetensors with other metadata": lambda: _safetensors_with({"format": "pt"}),
    "damaged genstudio metadata": lambda: _safetensors_with({META_KEY: "{not json"}),
    "other format": lambda: _safetensors_with({META_KEY: json.dumps({"format": "other", "version": 1})}),
    "version not a number": lambda: _safetensors_with({META_KEY: json.dumps({"format": FORMAT, "version": "1"})}),
}


@pytest.mark.parametrize("kind", sorted(NOT_CHECKPOINTS))
def test_a_file_that_is_not_a_checkpoint_is_refused_naming_it(tmp_path, kind):
    path = tmp_path / "model.safetensors"
    path.write_bytes(NOT_CHECKPOINTS[kind]())
    for reader in (load_checkpoint, read_meta):
        with pytest.raises(CheckpointError) as info:
            reader(path)
        assert str(path) in str(info.value)
        assert "\n" not in str(info.value)


def test_a_safetensors_file_from_elsewhere_is_refused(tmp_path):
    path = tmp_path / "model.safetensors"
    save_file({"weight": torch.randn(3, 3)}, str(path))                    # e.g. a Hugging Face file
    with pytest.raises(CheckpointError, match="not a genstudio checkpoint") as info:
        load_checkpoint(path)
    assert str(path) in str(info.value)
    save_file({"weight": torch.randn(3, 3)}, str(path), metadata={"format": "pt"})
    with pytest.raises(CheckpointError, match="no genstudio metadata"):
        load_checkpoint(path)


def test_a_checkpoint_from_a_newer_genstudio_says_so(tmp_path):
    path = tmp_path / "future.safetensors"
    path.write_bytes(_safetensors_with({META_KEY: json.dumps({"format": FORMAT, "version": VERSION + 1, "step": 5})}))
    with pytest.raises(CheckpointError, match="newer genstudio") as info:
        load_checkpoint(path)
    message = str(info.value)
    assert str(path) in message and f"version {VERSION + 1}" in message and "update genstudio" in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CheckpointError, match="no such file") as info:
        load_checkpoint(tmp_path / "nothing.safetensors")
    assert str(tmp_path / "nothing.safetensors") in str(info.value)
    (tmp_path / "folder.safetensors").mkdir()
    with pytest.raises(CheckpointError, match="not a file"):
        load_checkpoint(tmp_path / "folder.safetensors")


def test_a_checkpoint_cut_short_is_refused(tmp_path):
    path = save_checkpoint(tmp_path / "c.safetensors", {"w": torch.randn(1000)}, {"step": 3})
    data = path.read_bytes()
    for keep in (4, 8, 100, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:keep])
        with pytest.raises(CheckpointError) as info:
            load_checkpoint(path)
        assert str(path) in str(info.value)


# -- never unpickles -------------------------------------------------------------------------
class _Payload:
    """Unpickling this writes a marker file: proof that code from the file ran."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('code ran')",)


def _pickles(marker: Path) -> dict[str, callable]:
    def torch_zip(path):
        torch.save({"model": {"w": torch.zeros(2)}, "x": _Payload(marker)}, path)

    def torch_legacy(path):
        torch.save({"w": torch.zeros(2), "x": _Payload(marker)}, path, _use_new_zipfile_serialization=False)

    def raw(protocol):
        return lambda path: Path(path).write_bytes(pickle.dumps({"x": _Payload(marker)}, protocol=protocol))

    return {"torch.save zip": torch_zip, "torch.save legacy": torch_legacy,
            **{f"pickle protocol {p}": raw(p) for p in (0, 2, 4, 5)}}


@pytest.mark.parametrize("kind", ["torch.save zip", "torch.save legacy", "pickle protocol 0",
                                  "pickle protocol 2", "pickle protocol 4", "pickle protocol 5"])
def test_a_pickle_is_refused_and_never_run(tmp_path, kind):
    marker = tmp_path / "marker.txt"
    path = tmp_path / "model.safetensors"
    _pickles(marker)[kind](path)
    for reader in (load_checkpoint, read_meta):
        with pytest.raises(CheckpointError) as info:
            reader(path)
        assert str(path) in str(info.value)
    assert not marker.exists(), "loading the checkpoint ran code from it"
    # The payload is live: an unpickler would have run it.
    if kind.startswith("pickle"):
        pickle.loads(path.read_bytes())
        assert marker.read_text() == "code ran"


# -- atomic writes ----------------------------------------------------------------------------
def test_atomic_write_leaves_no_temp_files(tmp_path):
    target = tmp_path / "sub" / "file.bin"
    atomic_write_bytes(target, b"first")
    atomic_write_bytes(target, b"second")
    atomic_write_text(tmp_path / "sub" / "note.txt", "héllo")
    assert target.read_bytes() == b"second"
    assert (tmp_path / "sub" / "note.txt").read_text(encoding="utf-8") == "héllo"
    assert writes(tmp_path / "sub") == ["file.bin", "note.txt"]


def test_a_failed_atomic_write_keeps_the_old_file_and_cleans_up(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        atomic_write_bytes(target, "not bytes")           # fails while writing
    assert target.read_bytes() == b"old"
    (tmp_path / "folder").mkdir()
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "folder", b"data")  # fails at the rename
    assert writes(tmp_path) == ["file.bin", "folder"]
    assert writes(tmp_path / "folder") == []


def test_many_atomic_writes_land_together_and_a_failure_lands_none(tmp_path):
    from studio.engine.checkpoint import atomic_write_many

    folder = tmp_path / "out"
    paths = atomic_write_many([(folder / f"{i}.bin", lambda i=i: bytes([i]) * 3) for i in range(20)])
    assert [p.read_bytes() for p in paths] == [bytes([i]) * 3 for i in range(20)]
    assert writes(folder) == sorted(f"{i}.bin" for i in range(20))

    def broken() -> bytes:
        raise OSError(28, "No space left on device")

    (folder / "0.bin").write_bytes(b"old")
    with pytest.raises(OSError):
        atomic_write_many([(folder / "0.bin", lambda: b"new"), (folder / "new.bin", broken),
                           (folder / "other.bin", lambda: b"x")])
    assert (folder / "0.bin").read_bytes() == b"old"          # nothing of the failed call was renamed in
    assert writes(folder) == sorted(f"{i}.bin" for i in range(20))   # and no temporary file is left


def test_a_failing_checkpoint_save_keeps_the_previous_one(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "last.safetensors", {"w": torch.zeros(3)}, {"step": 1})

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint_module.os, "fsync", full_disk)
    with pytest.raises(OSError):
        save_checkpoint(path, {"w": torch.ones(3)}, {"step": 2})
    monkeypatch.undo()
    assert load_checkpoint(path).step == 1
    assert writes(tmp_path) == ["last.json", "last.safetensors", "last.sha256"]


def test_a_save_while_loading_gives_one_whole_version(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "last.safetensors", {"version": torch.tensor(1)}, {"step": 1})
    original = checkpoint_module.read_meta

    def read_meta_then_another_process_saves(p):
        meta = original(p)
        save_checkpoint(path, {"version": torch.tensor(2)}, {"step": 2})   # a trainer saving `last` meanwhile
        return meta

    monkeypatch.setattr(checkpoint_module, "read_meta", read_meta_then_another_process_saves)
    ckpt = load_checkpoint(path)
    assert ckpt.step == int(ckpt.tensors["version"])


# -- SIGKILL while saving -----------------------------------------------------------------------
WRITER = """
import sys, torch
torch.set_num_threads(1)
from studio.engine.checkpoint import save_checkpoint
path, megabytes = sys.argv[1], int(sys.argv[2])
n = megabytes * 2**20 // 4 // 4
version = 0
while True:
    version += 1
    tensors = {f"block{i}": torch.full((n,), float(version)) for i in range(4)}
    tensors["version"] = torch.tensor(version)
    save_checkpoint(path, tensors, {"step": version, "note": "x" * (version % 7)})
"""


def _child_env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _spawn(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=REPO, env=_child_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _poll(proc: subprocess.Popen, condition, what: str, polls: int = 1200) -> None:
    """Wait (at most polls x 50 ms) for condition(); the child must keep running meanwhile."""
    for _ in range(polls):
        if condition():
            return
        try:
            code = proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            continue
        raise AssertionError(f"the child exited ({code}) before {what}: {proc.stderr.read().decode()[-2000:]}")
    raise AssertionError(f"timed out waiting for {what}")


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def _save_in_progress(folder: Path) -> bool:
    """A temporary file with data in it (it may be renamed away while we look)."""
    for p in _temp_files(folder):
        try:
            if p.stat().st_size > 0:
                return True
        except FileNotFoundError:
            pass
    return False


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()


def _saved_version(path: Path) -> int:
    try:
        return read_meta(path)["step"]
    except CheckpointError:          # not there yet
        return 0


def test_sigkill_while_saving_leaves_a_whole_checkpoint(tmp_path):
    """Three writers save 32 MB checkpoints in a loop; each is killed at a random moment, mostly mid-write."""
    rng = random.Random(1234)
    megabytes = 32
    paths = [tmp_path / f"writer{i}" / "last.safetensors" for i in range(3)]
    for path in paths:
        path.parent.mkdir()
    procs = [_spawn(WRITER, str(path), str(megabytes)) for path in paths]   # in parallel: start-up dominates
    try:
        for i, (proc, path) in enumerate(zip(procs, paths)):
            _poll(proc, path.exists, "the first save")
            first = _saved_version(path)
            more = rng.randint(1, 2)          # let it finish more saves, then catch it in the middle of one
            _poll(proc, lambda: _saved_version(path) >= first + more, f"{more} more saves")
            if i != 1:
                _poll(proc, lambda: _save_in_progress(path.parent), "a save in progress")
            for _ in range(rng.randint(0, 3)):
                try:
                    proc.wait(timeout=0.01)
                except subprocess.TimeoutExpired:
                    pass
            _kill(proc)
            assert proc.returncode == -signal.SIGKILL

            ckpt = load_checkpoint(path)
            version = ckpt.step
            assert version >= first + more
            assert int(ckpt.tensors["version"]) == version
            for k in range(4):
                block = ckpt.tensors[f"block{k}"]
                assert block.numel() == megabytes * 2**20 // 16
                assert bool((block == float(version)).all()), "tensors from two different saves"
            assert ckpt.meta["note"] == "x" * (version % 7)
    finally:
        for proc in procs:
            _kill(proc)



TRAINER = """
import sys, torch
torch.set_num_threads(1)
from studio.engine.families.vae import VAEConfig
from studio.engine.training import TrainConfig, Trainer
config = TrainConfig(steps=10**6, batch_size=8, precision="fp32", device="cpu", seed=0,
                     checkpoint_minutes=0.0, keep_checkpoints=2, preview_seconds=0, validate_seconds=0)
trainer = Trainer(synthetic_dataset(), sys.argv[1], family="vae",
                  family_config=VAEConfig.from_preset("tiny", latent_dim=4), config=config)
for event in trainer.run():
    pass
"""


def test_sigkill_during_training_leaves_a_loadable_run(tmp_path):
    """A Trainer saving `last` (and step-N copies) after every step, killed at a random moment."""
    from studio.engine.run import Run
    from studio.engine.training import Trainer

    script = textwrap.dedent(inspect.getsource(synthetic_dataset)) + TRAINER
    run_dir = tmp_path / "run"
    last = run_dir / "checkpoints" / "last.safetensors"
    rng = random.Random(99)
    proc = _spawn(script, str(run_dir))
    try:
        _poll(proc, last.exists, "the first checkpoint")
        wanted = _saved_version(last) + rng.randint(2, 5)
        _poll(proc, lambda: _saved_version(last) >= wanted, "a few more checkpoints")
        for _ in range(rng.randint(0, 4)):
            try:
                proc.wait(timeout=0.01)
            except subprocess.TimeoutExpired:
                pass
    finally:
        _kill(proc)
    assert proc.returncode == -signal.SIGKILL

    run = Run.open(run_dir)
    assert run.latest_checkpoint() == last
    family, ckpt = run.load_family()
    assert ckpt.step >= wanted
    for periodic in run.checkpoints():
        assert load_checkpoint(periodic).step <= ckpt.step
    assert np.isfinite(family.encode(synthetic_dataset().images[:2])).all()

    # And it trains on from where the kill left it.
    trainer = Trainer.resume(run_dir, synthetic_dataset(), steps=ckpt.step + 2, checkpoint_minutes=5.0)
    events = list(trainer.run())
    assert events[0].resumed and events[0].step == ckpt.step
    assert trainer.result.status == "completed" and trainer.result.step == ckpt.step + 2
