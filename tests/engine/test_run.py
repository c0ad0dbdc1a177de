"""studio.engine.run: run folders — create, open, checkpoints, metrics, a trained family back from disk."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from synthetic import synthetic_dataset
from studio.engine.checkpoint import CheckpointError, load_checkpoint
from studio.engine.families.base import DataInfo
from studio.engine.families.vae import VAEConfig
from studio.engine.run import RUN_FORMAT, RUN_VERSION, Run, RunError, load_module_weights
from studio.engine.training import TrainConfig, Trainer



def new_run(path) -> Run:
    return Run.create(path, family="vae", family_config=VAEConfig.from_preset("tiny").to_dict(),
                      train_config=TrainConfig().to_dict(), data=DataInfo(8, 3), dataset={"source": "synthetic"})


def train(run_dir, steps=3, **config) -> Trainer:
    """A tiny VAE trained for a few steps; every step is a periodic checkpoint."""
    options = dict(steps=steps, batch_size=8, precision="fp32", device="cpu", preview_seconds=0, validate_seconds=0,
                   checkpoint_minutes=0.0, ema_decay=0.9, seed=0)
    options.update(config)
    trainer = Trainer(synthetic_dataset(), run_dir, family="vae",
                      family_config=VAEConfig.from_preset("tiny", latent_dim=4), config=TrainConfig(**options))
    for _ in trainer.run():
        pass
    assert trainer.result.status == "completed"
    return trainer


# -- create ------------------------------------------------------------------------------
def test_create_makes_the_folder_layout(tmp_path):
    run = new_run(tmp_path / "runs" / "first")
    assert run.path == tmp_path / "runs" / "first"
    assert run.checkpoints_dir.is_dir() and run.samples_dir.is_dir()
    config = json.loads(run.config_path.read_text())
    assert config["format"] == RUN_FORMAT and config["version"] == RUN_VERSION
    assert config["family"] == "vae" and config["data"] == {"image_size": 8, "channels": 3, "label_names": [],
                                                             "has_captions": False, "vocabulary": []}
    assert set(config["versions"]) == {"genstudio", "torch", "python"}
    assert Run.is_run(run.path)
    assert run.latest_checkpoint() is None and run.checkpoints() == []
    with pytest.raises(RunError, match="no checkpoint yet"):
        run.load_checkpoint()


def test_create_accepts_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    assert Run.is_run(new_run(tmp_path / "empty").path)


def test_create_refuses_an_existing_run(tmp_path):
    new_run(tmp_path / "run")
    with pytest.raises(RunError, match="already holds a run") as info:
        new_run(tmp_path / "run")
    assert str(tmp_path / "run") in str(info.value)


def test_create_refuses_a_folder_with_things_in_it(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"precious")
    with pytest.raises(RunError, match="not empty") as info:
        new_run(folder)
    assert str(folder) in str(info.value)
    assert [p.name for p in folder.iterdir()] == ["holiday.jpg"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunError, match="not a folder"):
        new_run(tmp_path / "file")


# -- open --------------------------------------------------------------------------------
def test_open_reads_what_create_wrote(tmp_path):
    created = new_run(tmp_path / "run")
    opened = Run.open(tmp_path / "run")
    assert opened.config == json.loads(json.dumps(created.config))     # tuples come back as lists
    assert opened.family_name == "vae" and opened.data_info == DataInfo(8, 3)


def test_open_missing_folder(tmp_path):
    with pytest.raises(RunError, match="no such run folder") as info:
        Run.open(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(info.value)


def test_open_folder_without_config(tmp_path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(RunError, match="no config.json") as info:
        Run.open(tmp_path / "plain")
    assert str(tmp_path / "plain") in str(info.value)


@pytest.mark.parametrize("text, match", [
    ("{not json", "cannot be read"),
    ("", "cannot be read"),
    ("\xff\xfe garbage", "cannot be read"),
    ("[1, 2]", "not a genstudio run config"),
    ('{"format": "something else"}', "not a genstudio run config"),
])
def test_open_a_damaged_config(tmp_path, text, match):
    run = new_run(tmp_path / "run")
    run.config_path.write_bytes(text.encode("latin-1"))
    with pytest.raises(RunError, match=match) as info:
        Run.open(run.path)
    assert str(run.path) in str(info.value)


def test_open_a_run_from_a_newer_genstudio(tmp_path):
    run = new_run(tmp_path / "run")
    run.update_config(version=RUN_VERSION + 1)
    with pytest.raises(RunError, match="newer genstudio") as info:
        Run.open(run.path)
    assert str(run.path) in str(info.value) and "update genstudio" in str(info.value)


def test_open_a_config_missing_a_key(tmp_path):
    run = new_run(tmp_path / "run")
    del run.config["family_config"]
    run.write_config()
    with pytest.raises(RunError, match="missing 'family_config'"):
        Run.open(run.path)


@pytest.mark.parametrize("version", ["one", None, [1]])
def test_open_a_config_with_a_nonsense_version(tmp_path, version):
    run = new_run(tmp_path / "run")
    run.update_config(version=version)
    with pytest.raises(RunError):
        Run.open(run.path)


def test_open_from_a_checkpoint_path(tmp_path):
    trainer = train(tmp_path / "run", steps=1)
    run = Run.open(trainer.run_folder.checkpoint_path())
    assert run.path == tmp_path / "run"


# -- metrics -----------------------------------------------------------------------------
def records(*steps, kind="train"):
    return [{"kind": kind, "step": s, "loss": 1.0 / s} for s in steps]


def test_metrics_round_trip_and_torn_last_line(tmp_path):
    run = new_run(tmp_path / "run")
    assert run.read_metrics() == []
    run.log_metrics(records(1, 2))
    run.log_metrics([])
    run.log_metrics(records(3, kind="val"))
    assert run.read_metrics() == records(1, 2) + records(3, kind="val")
    with open(run.metrics_path, "a", encoding="utf-8") as f:
        f.write('{"kind": "train", "step": 4, "lo')           # the process died mid-write
    assert run.read_metrics() == records(1, 2) + records(3, kind="val")
    with open(run.metrics_path, "ab") as f:
        f.write(b"\xff\xfe")                                  # and a torn UTF-8 sequence
    assert run.read_metrics() == records(1, 2) + records(3, kind="val")


def test_truncate_metrics_drops_records_after_the_checkpoint(tmp_path):
    run = new_run(tmp_path / "run")
    run.truncate_metrics(5)                                   # no file yet: nothing to do
    assert not run.metrics_path.exists()
    run.log_metrics(records(1, 2, 3) + records(3, kind="val") + records(4, 5))
    run.truncate_metrics(3)
    assert run.read_metrics() == records(1, 2, 3) + records(3, kind="val")
    run.truncate_metrics(10)
    assert run.read_metrics() == records(1, 2, 3) + records(3, kind="val")
    run.log_metrics(records(4))
    assert [r["step"] for r in run.read_metrics()] == [1, 2, 3, 3, 4]
    assert [p.name for p in run.path.iterdir() if p.name.endswith(".tmp")] == []


def test_records_logged_after_a_torn_line_are_kept(tmp_path):
    run = new_run(tmp_path / "run")
    run.log_metrics(records(1, 2))
    with open(run.metrics_path, "a", encoding="utf-8") as f:
        f.write('{"kind": "train", "st')                      # killed mid-write; last checkpoint at step 2
    run.truncate_metrics(2)                                    # what Trainer.resume does
    run.log_metrics(records(3))
    assert [r["step"] for r in run.read_metrics()] == [1, 2, 3]


# -- checkpoints -------------------------------------------------------------------------
def test_periodic_checkpoints_keep_the_newest(tmp_path):
    run = new_run(tmp_path / "run")
    for step in range(1, 6):
        run.save_checkpoint({"w": torch.full((2,), float(step))}, {"step": step}, periodic=True, keep=2)
    assert [p.name for p in run.checkpoints()] == ["step-00000004.safetensors", "step-00000005.safetensors"]
    assert sorted(p.name for p in run.checkpoints_dir.iterdir()) == [
        "last.json", "last.safetensors", "last.sha256", "step-00000004.json", "step-00000004.safetensors",
        "step-00000004.sha256", "step-00000005.json", "step-00000005.safetensors", "step-00000005.sha256"]
    assert run.latest_checkpoint() == run.checkpoint_path()
    ckpt = run.load_checkpoint()
    assert ckpt.step == 5 and ckpt.meta["family"] == "vae" and "versions" in ckpt.meta


def test_latest_checkpoint_falls_back_when_last_is_garbage(tmp_path):
    run = new_run(tmp_path / "run")
    for step in (1, 2):
        run.save_checkpoint({"w": torch.full((2,), float(step))}, {"step": step}, periodic=True)
    run.checkpoint_path().write_bytes(b"\x00" * 100)
    assert run.latest_checkpoint() == run.checkpoints_dir / "step-00000002.safetensors"
    assert run.load_checkpoint().step == 2
    run.checkpoints()[-1].write_text("also broken")
    assert run.latest_checkpoint() == run.checkpoints_dir / "step-00000001.safetensors"
    run.checkpoint_path().unlink()
    assert run.load_checkpoint().step == 1
    run.checkpoints()[0].write_bytes(b"")
    assert run.latest_checkpoint() is None
    with pytest.raises(RunError, match="no checkpoint"):
        run.load_checkpoint()


def test_latest_checkpoint_falls_back_when_last_is_cut_short(tmp_path):
    run = new_run(tmp_path / "run")
    for step in (1, 2):
        run.save_checkpoint({"w": torch.randn(10_000)}, {"step": step}, periodic=True)
    data = run.checkpoint_path().read_bytes()
    run.checkpoint_path().write_bytes(data[: len(data) // 2])   # e.g. a copy or a sync that stopped half-way
    with pytest.raises(CheckpointError):
        load_checkpoint(run.checkpoint_path())
    assert run.latest_checkpoint() == run.checkpoints_dir / "step-00000002.safetensors"
    assert run.load_checkpoint().step == 2


def test_load_module_weights_names_the_file_on_mismatch(tmp_path):
    modules = {"layer": torch.nn.Linear(3, 2)}
    with pytest.raises(RunError, match="do not fit") as info:
        load_module_weights(modules, {"layer.weight": torch.zeros(5, 5), "layer.bias": torch.zeros(2)},
                            tmp_path / "c.safetensors")
    assert str(tmp_path / "c.safetensors") in str(info.value) and "'layer'" in str(info.value)
    with pytest.raises(RunError, match="do not fit"):
        load_module_weights(modules, {"layer.weight": torch.zeros(2, 3)}, "somewhere")   # bias missing


# -- a trained family back from disk ----------------------------------------------------------
def test_load_family_gives_the_live_familys_samples(tmp_path):
    trainer = train(tmp_path / "run", steps=4)
    live = trainer.family                                   # samples with its EMA weights
    images = synthetic_dataset().images[:4]
    live_samples = next(live.sample(6, seed=11)).images
    live_codes = live.encode(images)

    family, ckpt = Run.open(tmp_path / "run").load_family()
    assert ckpt.step == 4 and type(family) is type(live)
    assert family.config == live.config and family.data == live.data
    np.testing.assert_array_equal(next(family.sample(6, seed=11)).images, live_samples)
    np.testing.assert_array_equal(family.encode(images), live_codes)
    torch.testing.assert_close(family.kl_per_dim, live.kl_per_dim, rtol=0, atol=0)

    # ema=False gives the raw trained weights, which differ from the EMA after 4 steps.
    raw, _ = Run.open(tmp_path / "run").load_family(ema=False)
    live.use_ema(None)
    raw_samples = next(raw.sample(6, seed=11)).images
    np.testing.assert_array_equal(raw_samples, next(live.sample(6, seed=11)).images)
    assert not np.array_equal(raw_samples, live_samples)


def test_load_family_without_ema(tmp_path):
    trainer = train(tmp_path / "run", steps=2, ema_decay=0.0)
    family, ckpt = Run.open(tmp_path / "run").load_family()
    assert not any(k.startswith("ema.") for k in ckpt.tensors)
    np.testing.assert_array_equal(next(family.sample(3, seed=1)).images,
                                  next(trainer.family.sample(3, seed=1)).images)
