"""studio.engine.training: timing a few real steps before a run (measure_speed), and the devices to choose from."""
from __future__ import annotations

import math
import tempfile

import torch

from synthetic import synthetic_dataset
from studio.engine.training import TrainConfig, available_devices, choose_device, measure_speed

# The run's own length (an hour) and previews: the measurement replaces them with its own.
CONFIG = TrainConfig(minutes=60, batch_size=4, lr=1e-3, precision="fp32", device="cpu", seed=0, preview_seconds=10)


def test_measure_speed_times_the_steps_after_a_warm_up_step(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    estimate = measure_speed(synthetic_dataset(n=16, size=8), "vae", CONFIG, model_preset="tiny", steps=2)

    assert estimate.steps_measured == 2
    assert estimate.seconds_per_step > 0 and math.isfinite(estimate.seconds_per_step)
    assert (estimate.device, estimate.device_name) == ("cpu", choose_device("cpu").name)
    assert (estimate.batch_size, estimate.image_size) == (4, 8)
    assert not list(tmp_path.glob("genstudio-speed-*"))      # the run folder was thrown away


def test_measure_speed_takes_the_familys_default_config_without_a_preset():
    estimate = measure_speed(synthetic_dataset(n=16, size=8), "vae", CONFIG, steps=1)
    assert estimate.steps_measured == 1


def test_a_cancelled_measurement_gives_none(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    asked = []
    estimate = measure_speed(synthetic_dataset(n=16, size=8), "vae", CONFIG, model_preset="tiny",
                             cancel=lambda: asked.append(1) or len(asked) > 2)
    assert estimate is None and len(asked) == 3
    assert not list(tmp_path.glob("genstudio-speed-*"))


def test_available_devices_start_with_auto_and_end_with_the_cpu():
    devices = available_devices()
    ids = [device for device, _ in devices]

    assert devices[0] == ("auto", choose_device("auto").name)
    assert devices[-1] == ("cpu", choose_device("cpu").name)
    assert len(set(ids)) == len(ids)
    cuda = torch.cuda.device_count() if torch.cuda.is_available() else 0
    assert [d for d in ids if d.startswith("cuda:")] == [f"cuda:{i}" for i in range(cuda)]
    assert all(name for _, name in devices)
