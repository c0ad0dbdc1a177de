"""The owner lock of a run folder (studio/engine/runlock.py) and the Trainer holding it while it trains."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from synthetic import synthetic_dataset
from studio.engine.families.vae import VAEConfig
from studio.engine.runlock import LOCK_NAME, RunHeldError, acquire_run_lock, check_run_free, read_run_lock
from studio.engine.training import TrainConfig, Trainer


def write_lock(run_dir, *, host=None, pid=None, age=0.0, token="theirs"):
    """A lock as another process would have left it, `age` seconds old."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK_NAME
    path.write_text(json.dumps({"format": "genstudio.lock", "host": host or socket.gethostname(),
                                "pid": pid or os.getpid(), "started": "2026-01-02 03:04:05",
                                "heartbeat": time.time() - age, "token": token}))
    os.utime(path, (time.time() - age, time.time() - age))
    return path


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_acquire_names_the_owner_refuses_a_second_taker_and_release_frees_the_run(tmp_path):
    lock = acquire_run_lock(tmp_path)
    record = json.loads((tmp_path / LOCK_NAME).read_text())
    assert record["host"] == socket.gethostname() and record["pid"] == os.getpid() and record["started"]
    owner = read_run_lock(tmp_path)
    assert owner.pid == os.getpid() and not owner.stale and owner.is_mine

    with pytest.raises(RunHeldError) as held:
        acquire_run_lock(tmp_path)
    message = held.value.message
    assert message.id == "run.held"
    assert str(held.value) == (f"{tmp_path}: another process is training this run (process {os.getpid()} on "
                               f"{socket.gethostname()}, since {record['started']}); wait until it finishes or stop "
                               "it there (the app can open the run and follow it meanwhile)")
    lock.release()
    lock.release()                                       # twice is harmless
    assert not (tmp_path / LOCK_NAME).exists() and read_run_lock(tmp_path) is None
    assert check_run_free(tmp_path) is None
    acquire_run_lock(tmp_path).release()
    assert [p.name for p in tmp_path.iterdir()] == []    # no temporary files left behind


def test_a_lock_whose_process_is_gone_is_stale_and_taken_over_with_a_warning(tmp_path):
    pid = dead_pid()
    write_lock(tmp_path, pid=pid)
    owner = read_run_lock(tmp_path)
    assert owner.stale and owner.why_stale == "gone"
    with acquire_run_lock(tmp_path) as lock:
        assert lock.taken_over.id == "lock.taken_over"
        assert f"process {pid} on {socket.gethostname()}" in lock.taken_over
        assert "that process is no longer running" in lock.taken_over
        assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()
    assert not (tmp_path / LOCK_NAME).exists()


def test_another_hosts_lock_is_held_while_it_beats_and_stale_once_silent(tmp_path):
    write_lock(tmp_path, host="gpu-server", pid=1, age=5)
    assert not read_run_lock(tmp_path).stale                 # pid 1 is not looked up: another machine
    with pytest.raises(RunHeldError, match="process 1 on gpu-server"):
        check_run_free(tmp_path)
    write_lock(tmp_path, host="gpu-server", pid=1, age=600)
    owner = read_run_lock(tmp_path)
    assert owner.stale and owner.why_stale == "silent"
    with acquire_run_lock(tmp_path) as lock:
        assert "it has not been refreshed for 600 s" in lock.taken_over


def test_an_unreadable_lock_is_held_while_fresh(tmp_path):
    (tmp_path / LOCK_NAME).write_text('{"host": "half-writ')
    with pytest.raises(RunHeldError):
        acquire_run_lock(tmp_path)
    os.utime(tmp_path / LOCK_NAME, (time.time() - 600, time.time() - 600))
    acquire_run_lock(tmp_path).release()


def test_the_heartbeat_refreshes_the_lock_and_never_touches_someone_elses(tmp_path):
    lock = acquire_run_lock(tmp_path, heartbeat_seconds=3600)
    path = tmp_path / LOCK_NAME
    os.utime(path, (time.time() - 500, time.time() - 500))
    assert read_run_lock(tmp_path, stale_after=60).stale
    assert lock.beat()
    assert not read_run_lock(tmp_path, stale_after=60).stale
    write_lock(tmp_path, host="elsewhere", pid=7, token="not-mine")     # taken over while we were suspended
    assert not lock.beat()
    lock.release()
    assert json.loads(path.read_text())["token"] == "not-mine"          # release leaves another's lock alone


# -- the Trainer holds the lock ------------------------------------------------------------------
def tiny_trainer(run_dir, **changes):
    config = TrainConfig(**{**dict(steps=3, batch_size=8, precision="fp32", device="cpu", seed=0, event_seconds=0,
                                   preview_seconds=0, validate_seconds=0, log_seconds=0, quality_minutes=0), **changes})
    return Trainer(synthetic_dataset(n=24), run_dir, family="vae",
                   family_config=VAEConfig.from_preset("tiny", latent_dim=4), config=config)


def test_the_trainer_holds_the_lock_while_training_and_refuses_a_held_run(tmp_path):
    run_dir = tmp_path / "run"
    trainer = tiny_trainer(run_dir)
    events = trainer.run()
    next(events)                                              # Started: the folder exists and is ours
    assert read_run_lock(run_dir).pid == os.getpid()
    for _ in events:
        pass
    assert trainer.result.status == "completed" and read_run_lock(run_dir) is None

    write_lock(run_dir, host="gpu-server", pid=42)           # another machine trains it now
    before = {p: p.stat().st_mtime_ns for p in run_dir.rglob("*") if p.is_file() and p.name != LOCK_NAME}
    resumed = Trainer.resume(run_dir, synthetic_dataset(n=24), steps=6)
    with pytest.raises(RunHeldError, match="process 42 on gpu-server"):
        next(resumed.run())
    after = {p: p.stat().st_mtime_ns for p in run_dir.rglob("*") if p.is_file() and p.name != LOCK_NAME}
    assert after == before                                    # nothing written into the held run
    assert json.loads((run_dir / LOCK_NAME).read_text())["host"] == "gpu-server"


def test_a_closed_training_generator_releases_the_lock_and_a_rank_without_it_takes_none(tmp_path):
    trainer = tiny_trainer(tmp_path / "run", steps=50)
    events = trainer.run()
    next(events)
    events.close()                                            # the app closing, Ctrl-C: saved, then released
    assert read_run_lock(tmp_path / "run") is None

    other = tiny_trainer(tmp_path / "rank1")
    other.takes_lock = False                                  # torchrun: ranks other than 0
    for _ in other.run():
        assert read_run_lock(tmp_path / "rank1") is None
