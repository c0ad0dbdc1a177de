"""What the Trainer tells whoever drives it: one typed event per happening, and the result at the end.

    for event in trainer.run():
        match event:
            case Progress(step=step, losses=losses): ...
            case Saved(path=path): ...
            case _: assert_never(event)     # every TrainEvent is one of the classes below

Plain frozen data (no torch, no Qt), so events cross threads and process boundaries as they are. What they
say to the user (reasons, warnings, failures) is a `Message`: English text with an id the UI translates by.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Union

from studio.engine.messages import Message

if TYPE_CHECKING:
    from studio.engine.families.base import Frame


@dataclass(frozen=True)
class Started:
    """Training is set up: where it runs, at what precision, on how many images, from which step."""

    run_dir: str
    family: str
    device: str
    device_name: str
    device_reason: Message
    precision: str
    precision_reason: Message
    channels_last: bool
    threads: int
    parameters: int
    step: int
    total_steps: int | None
    minutes: float | None
    resumed: bool
    train_images: int
    holdout_images: int


@dataclass(frozen=True)
class Progress:
    """Where training stands, at least every `TrainConfig.event_seconds` while steps are short."""

    step: int
    total_steps: int | None
    epoch: int
    losses: Mapping[str, float]      # mean over the steps since the previous Progress
    lr: float
    images_per_sec: float
    elapsed_seconds: float           # training time in this run, all sessions
    eta_seconds: float | None
    fraction: float                  # 0..1 of the run done
    stage: str = ""                  # what a multi-stage family trains now, e.g. "prior (2/2)" (Family.training_stage)


@dataclass(frozen=True)
class Validated:
    """Losses on the held-out images."""

    step: int
    losses: Mapping[str, float]


@dataclass(frozen=True)
class Measured:
    """Sample quality measured while training: KID of a small fixed-seed sample against the held-out images."""

    step: int
    kid: float
    kid_std: float                   # spread over subsets
    adherence: float | None          # the judge's accuracy on prompted samples; None without prompts
    samples: int
    train_seconds: float             # training time when it was measured
    cost_seconds: float              # what this measurement took
    share: float                     # all measuring so far, as a share of the training time


@dataclass(frozen=True)
class Preview:
    """A preview frame; the last of a preview also has the path it was saved to."""

    step: int
    frame: "Frame"
    path: str | None = None


@dataclass(frozen=True)
class Saved:
    """A checkpoint was written."""

    step: int
    path: str
    reason: str                      # "periodic" | "requested" | "stopped" | "completed" | "failed"


@dataclass(frozen=True)
class TrainingWarning:
    """Training goes on, but the user should know (a rollback, a lowered batch, a GAN collapsing)."""

    step: int
    message: Message


@dataclass(frozen=True)
class Failed:
    """Training cannot go on (out of memory, diverged); the work so far is saved."""

    step: int
    message: Message


@dataclass(frozen=True)
class Paused:
    """Training is held; repeated about every 0.1 s while it stays paused."""

    step: int


TrainEvent = Union[Started, Progress, Validated, Measured, Preview, Saved, TrainingWarning, Failed, Paused]
"""Everything `Trainer.run()` yields."""

TRAIN_EVENTS: tuple[type, ...] = TrainEvent.__args__


@dataclass(frozen=True)
class TrainResult:
    """How a run of `Trainer.run()` ended (the generator's return value, also `Trainer.result`)."""

    status: str                      # "completed" | "stopped" | "failed"
    step: int
    run_dir: str
    checkpoint: str | None
    message: str = ""                # the Failed event's Message when it failed


class UnknownEvent(TypeError):
    """A driver met an event it does not know: a new event class was added without a handler."""

    def __init__(self, event: object):
        super().__init__(f"unknown training event {type(event).__name__}: {event!r}")
