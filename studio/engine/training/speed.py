"""How fast training runs here: a few real training steps, timed, before the user commits to a run."""
from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from studio.engine.events import Progress, Started
from studio.engine.families import get_family
from studio.engine.training.config import TrainConfig
from studio.engine.training.trainer import Trainer


@dataclass(frozen=True)
class SpeedEstimate:
    """Seconds per training step, measured over `steps_measured` steps on `device` (`device_name`)."""

    seconds_per_step: float
    device: str
    device_name: str
    batch_size: int
    image_size: int
    steps_measured: int


def measure_speed(dataset, family: str, config: TrainConfig, *, model_preset: str | None = None, steps: int = 5,
                  cancel: Callable[[], bool] = lambda: False) -> SpeedEstimate | None:
    """Time `steps` real training steps (after one warm-up step) of `family` (its `model_preset`, else its
    default config) on `dataset`, at `config`'s batch size, precision, device and seed, in a throwaway run
    folder; the run's length, previews, validation and checkpoints are the measurement's own.

    None when `cancel()` said so, or training ended before two steps were timed."""
    cls = get_family(family)
    family_config = cls.Config.from_preset(model_preset) if model_preset else cls.Config()
    config = dataclasses.replace(config, steps=steps + 1, minutes=None, event_seconds=0.0, preview_seconds=0.0,
                                 validate_seconds=0.0, quality_minutes=0.0, checkpoint_minutes=1e6, warmup_steps=0)
    with tempfile.TemporaryDirectory(prefix="genstudio-speed-") as folder:
        trainer = Trainer(dataset, Path(folder) / "run", family=family, family_config=family_config, config=config)
        events = trainer.run()
        started = first = last = None
        try:
            for event in events:
                if cancel():
                    return None
                match event:
                    case Started():
                        started = event
                    case Progress() if first is None:
                        first = event           # after the warm-up step: allocations, kernel choice
                    case Progress() if event.step > first.step:
                        last = event
        finally:
            events.close()
    if started is None or first is None or last is None:
        return None
    per_step = (last.elapsed_seconds - first.elapsed_seconds) / (last.step - first.step)
    return SpeedEstimate(per_step, started.device, started.device_name, trainer.batch_size,
                         dataset.images.shape[1], last.step - first.step)
