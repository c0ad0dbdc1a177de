"""Engine sides of the fault suite (benchmarks/faults.py): a checkpoint whose weights do not fit its model is passed
over like a damaged one, and a run folder that refuses writes stops training before its first step with a message
naming the folder."""
from __future__ import annotations

import errno

import pytest
import torch

from synthetic import synthetic_dataset
from studio.engine.families.base import DataInfo
from studio.engine.families.vae import VAEConfig
from studio.engine.messages import Message
from studio.engine.run import Run, RunError
from studio.engine.training import TrainConfig, Trainer, TrainingError


@pytest.fixture
def run(tmp_path) -> Run:
    """A run with a periodic checkpoint at step 5 and `last` at step 6, whose weight "w" has the wrong shape."""
    run = Run.create(tmp_path / "run", family="vae", family_config=VAEConfig.from_preset("tiny").to_dict(),
                     train_config=TrainConfig().to_dict(), data=DataInfo(8, 3), dataset={"source": "synthetic"})
    run.save_checkpoint({"w": torch.zeros(4, 2)}, {"step": 5}, periodic=True)
    run.save_checkpoint({"w": torch.zeros(2, 4)}, {"step": 6})
    return run


def fits(ckpt) -> None:
    if ckpt.tensors["w"].shape != (4, 2):
        raise RunError("run.weights_do_not_fit", path=ckpt.path, name="model", detail="w: (2, 4), not (4, 2)")


def test_a_checkpoint_whose_weights_do_not_fit_is_passed_over_and_named(run):
    ckpt = run.load_checkpoint(fit=fits)
    assert ckpt.step == 5
    last = run.checkpoint_path()
    assert [str(w) for w in ckpt.warnings] == [
        f"{last}: the weights of 'model' do not fit this model (w: (2, 4), not (4, 2)); using "
        "step-00000005.safetensors instead (step 5)"]


def test_a_named_checkpoint_that_does_not_fit_is_an_error(run):
    with pytest.raises(RunError, match="do not fit"):
        run.load_checkpoint(run.checkpoint_path(), fit=fits)
    assert run.load_checkpoint(run.checkpoints()[0], fit=fits).step == 5


def test_when_no_checkpoint_fits_the_error_names_each(run):
    def never(ckpt):
        raise RunError("run.weights_do_not_fit", path=ckpt.path, name="model", detail="no")

    with pytest.raises(RunError) as info:
        run.load_checkpoint(fit=never)
    assert info.value.message.id == "run.no_good_checkpoint"
    assert str(run.checkpoint_path()) in str(info.value) and "step-00000005.safetensors" in str(info.value)


def test_a_run_folder_that_refuses_writes_stops_training_before_its_first_step(tmp_path, monkeypatch):
    from studio.engine import runlock

    def refuse(path, record):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(runlock, "_create_exclusive", refuse)
    trainer = Trainer(synthetic_dataset(n=16), tmp_path / "run", family="vae",
                      family_config=VAEConfig.from_preset("tiny"),
                      config=TrainConfig(steps=2, batch_size=8, device="cpu", precision="fp32", preview_seconds=0,
                                         validate_seconds=0, quality_minutes=0))
    with pytest.raises(TrainingError) as info:
        next(trainer.run())
    assert info.value.message == Message("train.cannot_write", path=tmp_path / "run",
                                         reason=Message("os.EROFS"))
    assert str(info.value).startswith(f"{tmp_path / 'run'}: training cannot write into the run folder (read-only")
