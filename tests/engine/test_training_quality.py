"""Sample quality measured while training (studio.engine.training.quality): what it reads, when it measures,
what it costs, and that measuring never changes what is trained.

The bars dataset of test_evaluation_run (labelled, 16 px) with its feature network trained once into a tmp
cache, as `genstudio compare DATA --families ...` trains it before the runs.
"""
import json
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from studio.engine import events as ev
from studio.engine.families.base import PROMPT, Frame
from studio.engine.training import TrainConfig, Trainer, holdout_split
from studio.engine.training import quality as quality_module
from studio.engine.training.quality import QualityMeter
from tests.engine.test_evaluation_run import ANGLES, bars, drive


@pytest.fixture(scope="module")
def dataset():
    return bars()


@pytest.fixture(scope="module")
def cache(dataset, tmp_path_factory):
    """A cache holding the network the Trainer's split asks for (seed 0, the default length)."""
    from studio.engine.evaluation.features import feature_network

    folder = tmp_path_factory.mktemp("evaluation-cache")
    train_idx, _ = holdout_split(len(dataset), 0.05, 0)
    drive(feature_network(dataset, train_idx, seed=0, cache=folder))
    return folder


def meter_for(dataset, cache, **options):
    train_idx, val_idx = holdout_split(len(dataset), 0.05, 0)
    values = dict(every_minutes=1.0, samples=32, seed=0, cache=cache)
    return QualityMeter(dataset, train_idx, val_idx, **{**values, **options})


@dataclass
class Pictures:
    """A stand-in model: `pick(n, prompt, rng)` gives the images it 'samples'."""

    pick: object
    capabilities: tuple = (PROMPT,)
    device: torch.device = torch.device("cpu")

    def eval(self):
        return self

    def sample(self, n, seed=0, prompt=None):
        yield Frame(self.pick(n, prompt, np.random.default_rng(seed)))


def test_held_out_like_samples_read_near_the_floor_noise_far_above_and_prompts_are_judged(dataset, cache):
    train_idx, _ = holdout_split(len(dataset), 0.05, 0)
    by_label = {name: train_idx[dataset.labels[train_idx] == i] for i, name in enumerate(ANGLES)}

    def real(n, prompt, rng):                       # training images of the asked-for angle
        return dataset.images[rng.choice(by_label[prompt], n)]

    def wrong(n, prompt, rng):                      # real images, of another angle than asked
        other = ANGLES[(ANGLES.index(prompt) + 2) % 4]
        return dataset.images[rng.choice(by_label[other], n)]

    def noise(n, prompt, rng):
        return rng.integers(0, 256, (n, *dataset.images.shape[1:]), dtype=np.uint8)

    read = {}
    for name, pick in (("real", real), ("wrong", wrong), ("noise", noise)):
        meter = meter_for(dataset, cache)
        read[name] = meter.measure(Pictures(pick), step=10, train_seconds=1e6, expected_seconds=1e6,
                                   stop=lambda: False)
        assert isinstance(read[name], ev.Measured) and read[name].samples == 32
    assert read["real"].kid < 0.5 * read["noise"].kid
    assert read["noise"].kid > read["real"].kid + 3 * read["real"].kid_std
    assert read["real"].adherence > 0.8 and read["wrong"].adherence < 0.3


def test_measuring_changes_nothing_that_is_trained_and_is_logged_and_kept(dataset, cache, tmp_path, monkeypatch):
    from studio.engine.checkpoint import load_checkpoint
    from studio.engine.compare import _curve
    from studio.engine.families.vae import VAEConfig

    monkeypatch.setattr(quality_module, "SHARE", 1.0)        # room to measure at almost every step
    family = VAEConfig.from_preset("tiny", latent_dim=4)

    def train(folder, minutes):
        config = TrainConfig(steps=12, batch_size=16, lr=2e-3, warmup_steps=2, precision="fp32", device="cpu",
                             seed=0, ema_decay=0.9, preview_seconds=0, validate_seconds=0, quality_minutes=minutes,
                             quality_samples=16)
        trainer = Trainer(dataset, folder, family="vae", family_config=family, config=config, evaluation_cache=cache)
        events = drive(trainer.run())[1]
        return trainer, events

    quiet, quiet_events = train(tmp_path / "quiet", 0)
    measured, events = train(tmp_path / "measured", 1e-5)
    assert not any(isinstance(e, ev.Measured) for e in quiet_events)
    readings = [e for e in events if isinstance(e, ev.Measured)]
    assert len(readings) >= 5 and all(np.isfinite(e.kid) and e.adherence is None for e in readings)
    for a, b in zip(quiet.family.modules().values(), measured.family.modules().values()):
        for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
            assert torch.equal(p, q), name

    records = [json.loads(line) for line in (tmp_path / "measured" / "metrics.jsonl").read_text().splitlines()]
    logged = [r for r in records if r["kind"] == "quality"]
    assert [r["step"] for r in logged] == [e.step for e in readings]
    assert all(r["kid"] == e.kid and r["samples"] == 16 for r, e in zip(logged, readings))
    assert len(_curve(records)) == len(readings)                     # what compare's quality chart draws
    saved = load_checkpoint(measured.result.checkpoint).meta["quality"]
    assert saved["spent"] > 0 and saved["expected"] > 0               # resume keeps the budget's account


def test_a_network_that_would_cost_more_than_its_share_is_not_trained_and_said_once(dataset, tmp_path):
    config = TrainConfig(steps=30, batch_size=16, precision="fp32", device="cpu", seed=0, preview_seconds=0,
                         validate_seconds=0, quality_minutes=1e-5)
    trainer = Trainer(dataset, tmp_path / "run", family="vae", config=config, evaluation_cache=tmp_path / "empty")
    events = drive(trainer.run())[1]
    warnings = [e.message for e in events if isinstance(e, ev.TrainingWarning)]
    assert [m.id for m in warnings] == ["training.quality_skipped"]
    assert not any(isinstance(e, ev.Measured) for e in events)
    assert not list((tmp_path / "empty").glob("features-*.safetensors"))


def test_a_measurement_waits_until_the_share_has_room_for_it(dataset, cache):
    meter = meter_for(dataset, cache)                     # every minute; first after 7.5 s of training
    assert not meter.due(5.0) and meter.due(8.0)
    meter.spent, meter.expected = 1.0, 2.0                 # 3 s at 5% needs 60 s of training
    assert not meter.due(30.0) and meter.next_due == pytest.approx(60.0)
    assert not meter.due(59.0) and meter.due(60.0)
    meter.next_due = 1e9
    assert meter.due(61.0, final=True)                     # the end of training skips the gap, not the budget
    meter.spent = 10.0
    assert not meter.due(61.0, final=True)
    restored = meter_for(dataset, cache)
    restored.restore(meter.state())
    assert restored.state() == meter.state()


def test_too_few_held_out_images_is_said_at_the_start(tmp_path):
    from tests.engine.synthetic import synthetic_dataset

    config = TrainConfig(steps=2, batch_size=8, precision="fp32", device="cpu", preview_seconds=0,
                         validate_seconds=0)
    events = drive(Trainer(synthetic_dataset(40), tmp_path / "run", family="vae", config=config).run())[1]
    assert [type(e).__name__ for e in events[:2]] == ["Started", "TrainingWarning"]
    assert events[1].message.id == "training.quality_too_few" and events[1].message.args["count"] == 2
