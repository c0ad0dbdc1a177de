"""The held-out watch (studio.engine.training.watch): the best checkpoint by held-out loss, kept beside the last,
and the warning when the held-out loss rises while the training loss falls."""
import pytest

from studio.engine import events as ev
from studio.engine.checkpoint import load_checkpoint
from studio.engine.families.vae import VAE, VAEConfig
from studio.engine.training import TrainConfig, Trainer
from studio.engine.training.watch import HeldOutWatch
from synthetic import synthetic_dataset


def test_rising_held_out_loss_is_overfitting_only_while_the_training_loss_falls_and_only_once():
    watch = HeldOutWatch()
    assert watch.observe(1, "", "loss", 1.0, train=1.2) == (True, None)
    assert watch.observe(2, "", "loss", 0.8, train=1.0) == (True, None)
    assert watch.observe(3, "", "loss", 0.9, train=0.9) == (False, None)          # one validation: noise
    improved, warning = watch.observe(4, "", "loss", 1.0, train=0.8)
    assert not improved and warning.id == "training.overfitting"
    assert (warning.args["best"], warning.args["best_step"], warning.args["now"]) == (0.8, 2, 1.0)
    assert watch.observe(5, "", "loss", 1.2, train=0.7) == (False, None)          # said once
    # the training loss rising too is not overfitting (a learning rate too high, a KL weight ramping up)
    other = HeldOutWatch()
    for step, (held, train) in enumerate([(0.8, 1.0), (0.9, 1.1), (1.0, 1.2), (1.1, 1.3)]):
        assert other.observe(step, "", "loss", held, train)[1] is None
    # a new stage starts over: its first value is its best
    assert watch.observe(6, "prior (2/2)", "prior_bits", 5.0, train=5.0) == (True, None)
    copy = HeldOutWatch()
    copy.restore(watch.state())
    assert copy.state() == watch.state()


@pytest.fixture
def scripted_validation(monkeypatch):
    """The VAE's held-out loss follows a script (its training loss falls on its own)."""
    script = iter([1.0, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6])

    def validation_losses(self, batch):
        return {"loss": next(script)}

    monkeypatch.setattr(VAE, "validation_losses", validation_losses)


def test_the_trainer_keeps_the_best_weights_and_warns_once(tmp_path, scripted_validation):
    config = TrainConfig(steps=8, batch_size=8, lr=3e-3, warmup_steps=0, precision="fp32", device="cpu", seed=0,
                         event_seconds=0, preview_seconds=0, validate_seconds=1e-6, quality_minutes=0)
    family = VAEConfig.from_preset("tiny", latent_dim=4, kl_warmup_steps=0)
    trainer = Trainer(synthetic_dataset(40), tmp_path / "run", family="vae", family_config=family, config=config)
    events = list(trainer.run())
    validated = [e.step for e in events if isinstance(e, ev.Validated)]
    warnings = [e for e in events if isinstance(e, ev.TrainingWarning)]
    assert [w.message.id for w in warnings] == ["training.overfitting"] and warnings[0].step >= validated[3]
    assert warnings[0].message.args["best_step"] == validated[1]
    best = load_checkpoint(tmp_path / "run" / "checkpoints" / "best.safetensors")
    assert best.step == validated[1] and best.meta["held_out"] == {"key": "loss", "value": 0.8}
    assert trainer.run_folder.latest_checkpoint().name == "last.safetensors"     # resume never picks best
    assert load_checkpoint(trainer.result.checkpoint).step == 8


def test_sample_from_the_best_checkpoint(tmp_path, scripted_validation):
    from studio.cli import main

    config = TrainConfig(steps=4, batch_size=8, precision="fp32", device="cpu", event_seconds=0, preview_seconds=0,
                         validate_seconds=1e-6, quality_minutes=0)
    trainer = Trainer(synthetic_dataset(40), tmp_path / "run2", family="vae",
                      family_config=VAEConfig.from_preset("tiny", latent_dim=4), config=config)
    for _ in trainer.run():
        pass
    assert main(["sample", str(tmp_path / "run2"), "-n", "2", "--checkpoint", "best", "--out", str(tmp_path / "s")]) == 0
    assert len(list((tmp_path / "s").glob("*.png"))) == 2
    trainer = Trainer(synthetic_dataset(40), tmp_path / "gan", family="gan", config=TrainConfig(
        steps=2, batch_size=8, precision="fp32", device="cpu", preview_seconds=0, validate_seconds=1e-6,
        quality_minutes=0))
    for _ in trainer.run():
        pass
    assert main(["sample", str(tmp_path / "gan"), "-n", "2", "--checkpoint", "best", "--out", str(tmp_path / "g")]) == 2


def test_resuming_past_a_damaged_last_checkpoint_says_which_one_it_used(tmp_path):
    config = TrainConfig(steps=4, batch_size=8, precision="fp32", device="cpu", preview_seconds=0,
                         validate_seconds=0, quality_minutes=0, checkpoint_minutes=1e-9, keep_checkpoints=3)
    dataset = synthetic_dataset(40)
    for _ in Trainer(dataset, tmp_path / "run", family="vae", config=config).run():
        pass
    last = tmp_path / "run" / "checkpoints" / "last.safetensors"
    data = bytearray(last.read_bytes())
    data[-100:] = bytes(100)                                    # damaged: its sha256 no longer matches
    last.write_bytes(bytes(data))
    trainer = Trainer.resume(tmp_path / "run", dataset, steps=6)
    events = list(trainer.run())
    warnings = [e.message for e in events if isinstance(e, ev.TrainingWarning)]
    assert any(m.id == "checkpoint.used_instead" for m in warnings), warnings
