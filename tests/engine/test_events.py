"""The Trainer's events: one union type, plain data, and drivers that refuse an event they do not know."""
from __future__ import annotations

import dataclasses
import io
import typing

import numpy as np
import pytest

from studio.engine import events as ev
from studio.engine.families.base import Frame
from studio.engine.messages import Message


def example(cls):
    """An instance of an event class with a plausible value in every field."""
    values = {"str": "x", "int": 1, "float": 0.5, "bool": False, "Mapping[str, float]": {"loss": 0.5},
              "Message": Message("training.dataset_changed"),
              "int | None": 10, "float | None": 1.0, "str | None": None, "'Frame'": Frame(np.zeros((1, 4, 4, 3), np.uint8))}
    return cls(**{f.name: values[str(f.type)] for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING})


def test_the_union_names_every_event_class_and_each_is_frozen_plain_data():
    classes = typing.get_args(ev.TrainEvent)
    assert set(classes) == set(ev.TRAIN_EVENTS) == {ev.Started, ev.Progress, ev.Validated, ev.Measured, ev.Preview,
                                                     ev.Saved, ev.TrainingWarning, ev.Failed, ev.Paused}
    for cls in classes:
        event = example(cls)
        with pytest.raises(dataclasses.FrozenInstanceError):
            event.step = 2


def test_the_trainer_yields_only_union_members(tmp_path):
    from studio.engine.training import TrainConfig, Trainer
    from synthetic import synthetic_dataset

    trainer = Trainer(synthetic_dataset(24, size=8), tmp_path / "run", family="vae",
                      config=TrainConfig(steps=3, batch_size=8, event_seconds=0, preview_seconds=0.001,
                                         validate_seconds=0.001, warmup_steps=0))
    seen = {type(event) for event in trainer.run()}
    assert seen <= set(ev.TRAIN_EVENTS) and {ev.Started, ev.Progress, ev.Saved} <= seen
    assert isinstance(trainer.result, ev.TrainResult) and trainer.result.status == "completed"


def test_the_cli_shows_every_event_and_refuses_an_unknown_one():
    from studio.cli import ProgressLine, _show_event

    bar = ProgressLine(io.StringIO())
    for cls in ev.TRAIN_EVENTS:
        _show_event(example(cls), bar)
    with pytest.raises(ev.UnknownEvent, match="object"):
        _show_event(object(), bar)
