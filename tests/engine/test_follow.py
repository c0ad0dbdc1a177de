"""Following a run another process trains (studio/engine/follow.py): the metrics file tailed a line at a time,
previews as they are saved, the newest checkpoint loaded only whole, and the run's state from its lock."""
from __future__ import annotations

import json
import os
import time

import pytest

from synthetic import synthetic_dataset
from studio.engine.checkpoint import CheckpointError, hash_path
from studio.engine.families.vae import VAEConfig
from studio.engine.follow import FINISHED, RUNNING, STALLED, STOPPED, RunReader, load_newest_model
from studio.engine.runlock import acquire_run_lock
from studio.engine.run import RunError
from studio.engine.training import TrainConfig, Trainer
from test_runlock import write_lock


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A finished 4-step VAE run with a preview, train and validation records."""
    run_dir = tmp_path_factory.mktemp("follow") / "run"
    config = TrainConfig(steps=4, batch_size=8, precision="fp32", device="cpu", seed=0, event_seconds=0,
                         preview_seconds=3600, validate_seconds=0, log_seconds=0, quality_minutes=0)
    trainer = Trainer(synthetic_dataset(n=24), run_dir, family="vae",
                      family_config=VAEConfig.from_preset("tiny", latent_dim=4), config=config)
    for _ in trainer.run():
        pass
    assert trainer.result.status == "completed"
    return run_dir


def copy_run(src, dst):
    import shutil
    shutil.copytree(src, dst)
    return dst


def test_the_first_poll_reads_the_whole_run_and_the_next_only_what_is_new(trained, tmp_path):
    run_dir = copy_run(trained, tmp_path / "run")
    reader = RunReader(run_dir)
    first = reader.poll()
    assert first.reset and first.changed
    assert [r["step"] for r in first.records if r["kind"] == "train"] == [1, 2, 3, 4]
    assert first.step == 4 and first.total_steps == 4 and first.minutes is None
    assert [p.step for p in first.previews] == [1] and first.previews[0].image.dtype.name == "uint8"
    assert first.previews[0].image.ndim == 3
    assert first.checkpoint == str(run_dir / "checkpoints" / "last.safetensors") and first.checkpoint_step == 4
    assert first.state == FINISHED and first.owner is None

    again = reader.poll()
    assert not again.changed and not again.reset and again.state == FINISHED and again.step == 4


def test_a_partial_last_line_waits_for_its_end_and_a_rewritten_file_is_read_again(trained, tmp_path):
    run_dir = copy_run(trained, tmp_path / "run")
    metrics = run_dir / "metrics.jsonl"
    reader = RunReader(run_dir)
    reader.poll()
    line = json.dumps({"kind": "train", "step": 5, "loss": 0.5}) + "\n"
    with open(metrics, "a") as f:
        f.write(line[:17])                                  # the writer is mid-line
    assert reader.poll().records == ()
    with open(metrics, "a") as f:
        f.write(line[17:] + '{"kind": "val", "step": 5, "loss": 0.6}\n')
    update = reader.poll()
    assert [(r["kind"], r["step"]) for r in update.records] == [("train", 5), ("val", 5)]
    assert update.step == 5 and not update.reset

    kept = [l for l in metrics.read_text().splitlines() if json.loads(l)["step"] <= 2]
    tmp = metrics.with_suffix(".tmp")                       # a resume from step 2 rewrites the file shorter
    tmp.write_text("\n".join(kept) + "\n")
    os.replace(tmp, metrics)
    update = reader.poll()
    assert update.reset and max(r["step"] for r in update.records) == 2


def test_new_previews_and_checkpoints_arrive_once_each(trained, tmp_path):
    run_dir = copy_run(trained, tmp_path / "run")
    reader = RunReader(run_dir)
    reader.poll()
    samples = run_dir / "samples"
    (samples / "step-00000009.png").write_bytes((samples / "step-00000001.png").read_bytes())
    (samples / "step-00000010.png").write_bytes(b"\x89PNG half")        # not whole yet: read at a later poll
    update = reader.poll()
    assert [p.step for p in update.previews] == [9] and update.checkpoint is None
    (samples / "step-00000010.png").write_bytes((samples / "step-00000001.png").read_bytes())
    assert [p.step for p in reader.poll().previews] == [10]

    last = run_dir / "checkpoints" / "last.safetensors"
    os.utime(last, ns=(time.time_ns(), time.time_ns()))               # a new save
    update = reader.poll()
    assert update.checkpoint == str(last) and update.checkpoint_step == 4


def test_the_state_comes_from_the_lock_and_the_last_checkpoint(trained, tmp_path):
    run_dir = copy_run(trained, tmp_path / "run")
    reader = RunReader(run_dir)
    assert reader.poll().state == FINISHED
    with acquire_run_lock(run_dir):
        update = reader.poll()
        assert update.state == RUNNING and update.owner.pid == os.getpid()
    write_lock(run_dir, host="gpu-server", pid=3, age=600)
    update = reader.poll()
    assert update.state == STALLED and update.owner.why_stale == "silent"
    (run_dir / "owner.lock").unlink()
    assert reader.state(None, 0.0) == FINISHED
    reader._checkpoint_meta = {"reason": "stopped", "step": 2}
    assert reader.state(None, 0.0) == STOPPED
    reader._checkpoint_meta = {"reason": "periodic", "step": 2}       # no lock (an older genstudio): by the files' age
    assert reader.state(None, 5.0) == RUNNING and reader.state(None, 1e6) == STALLED


def test_the_newest_model_loads_only_a_whole_checkpoint(trained, tmp_path):
    run_dir = copy_run(trained, tmp_path / "run")
    family, provenance, step = load_newest_model(run_dir)
    assert step == 4 and provenance.checkpoint_step == 4 and family.data.image_size == 8
    last = run_dir / "checkpoints" / "last.safetensors"
    data = last.read_bytes()
    last.write_bytes(data[:-10] + bytes(b ^ 0xFF for b in data[-10:]))   # damaged, or half-synced
    with pytest.raises(CheckpointError):
        load_newest_model(run_dir, last)
    _, provenance, step = load_newest_model(run_dir)          # the newest whole one: the periodic copy
    assert provenance.checkpoint.endswith("step-00000004.safetensors") and step == 4
    for periodic in (run_dir / "checkpoints").glob("step-*.safetensors"):
        periodic.unlink()
    with pytest.raises(RunError, match="no checkpoint of this run can be used"):
        load_newest_model(run_dir)
    assert hash_path(last).exists()
