"""How to train: TrainConfig (the family config says what to train) and the Trainer's error."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping

from studio.engine.families.base import ConfigError
from studio.engine.messages import EngineError


class TrainingError(EngineError):
    """Training cannot start or continue; str(e) is one readable line."""


@dataclass(frozen=True)
class TrainConfig:
    """How to train (the family config says what to train)."""

    steps: int | None = 2000            # total optimisation steps (None: train for `minutes`)
    minutes: float | None = None        # total training time; whichever limit comes first ends the run
    batch_size: int = 64
    lr: float = 1e-3
    warmup_steps: int = 100             # linear LR warm-up, then cosine decay to lr * min_lr_ratio
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0              # max global gradient norm (0: no clipping)
    ema_decay: float = 0.999            # 0: no EMA; warm-up: decay = min(ema_decay, (1+n)/(ema_warmup+n))
    ema_warmup: float = 10.0            # after n updates the average's weights are ~n/ema_warmup updates old
    seed: int = 0
    device: str = "auto"                # auto | cpu | cuda | cuda:N | mps
    precision: str = "auto"             # auto | fp32 | bf16 | fp16
    channels_last: str = "auto"         # auto | on | off
    threads: int | None = None          # CPU threads for torch (None: torch's default)
    leave_core_for_ui: bool = False     # the app sets this: torch uses one core fewer than the machine has
    mirror: bool = False                # random left-right flips of training images (not for text, digits, ...)
    holdout: float = 0.05               # share of images held out for validation (none below 20 images)
    checkpoint_minutes: float = 5.0     # periodic checkpoint interval (also saved on stop)
    keep_checkpoints: int = 3           # periodic step-N checkpoints kept besides `last`
    preview_seconds: float = 30.0       # wall time between preview frames (0: none)
    validate_seconds: float = 30.0      # wall time between validation passes (0: none)
    quality_minutes: float = 2.0        # training time between sample-quality measurements, at most (0: none)
    quality_samples: int = 64           # samples each quality measurement scores (training.quality)
    log_seconds: float = 1.0            # wall time between metrics.jsonl lines
    event_seconds: float = 0.1          # wall time between Progress events
    max_bad_steps: int = 5              # non-finite steps in a row before rolling back
    max_rollbacks: int = 3              # rollbacks before giving up

    def __post_init__(self):
        if self.steps is None and self.minutes is None:
            raise ConfigError("train.no_length")
        if self.steps is not None and self.steps < 1:
            raise ConfigError("train.bad_steps", steps=self.steps)
        if self.minutes is not None and self.minutes <= 0:
            raise ConfigError("train.bad_minutes", minutes=self.minutes)
        if self.batch_size < 1:
            raise ConfigError("train.bad_batch_size", batch_size=self.batch_size)
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ConfigError("train.bad_lr", lr=self.lr)
        if self.precision not in ("auto", "fp32", "bf16", "fp16"):
            raise ConfigError("train.bad_precision", precision=self.precision)
        if self.channels_last not in ("auto", "on", "off"):
            raise ConfigError("train.bad_channels_last", channels_last=self.channels_last)
        if not (self.quality_minutes >= 0 and math.isfinite(self.quality_minutes)):
            raise ConfigError("train.bad_quality_minutes", quality_minutes=self.quality_minutes)
        if not 0 <= self.holdout < 0.5:
            raise ConfigError("train.bad_holdout", holdout=self.holdout)
        if not 0 <= self.ema_decay < 1:
            raise ConfigError("train.bad_ema_decay", ema_decay=self.ema_decay)
        if not (self.ema_warmup >= 1 and math.isfinite(self.ema_warmup)):
            raise ConfigError("train.bad_ema_warmup", ema_warmup=self.ema_warmup)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "TrainConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})

