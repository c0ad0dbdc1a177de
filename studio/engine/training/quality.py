"""Quality while training: KID (and prompt adherence where there are prompts) of a small sample at fixed
seeds against the held-out images, measured every few minutes, within a share of the training time.

    meter = QualityMeter(dataset, train_idx, val_idx, every_minutes=2, samples=64, seed=0)
    if meter.due(train_seconds):
        event = meter.measure(family, step, train_seconds, expected_seconds, stop)  # Measured | warning | None

The measure is the one `genstudio evaluate` uses (studio.engine.evaluation), on fewer samples: the feature
network trained on the run's own training split with the run's seed (from the cache when evaluate or compare
trained it before: they train it with their --seed, 0 by default, as runs are),
the real side the held-out split the Trainer keeps. What it costs is held to `SHARE` of the training time:
measurements come at doubling gaps up to `every_minutes`, and one is postponed while it would take the
total past the share. The first chunk of every measurement is timed, so one that would cost too much stops
after it. An uncached feature network is trained only when it fits half of the share of the whole run;
otherwise the run says once that quality is measured after training (Compare, `genstudio evaluate`).

Measuring touches no random state the training uses (the RNGs are forked), so a run measured at other
moments trains the same weights.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from studio.engine.data import ImageDataset
from studio.engine.events import Measured, TrainingWarning
from studio.engine.messages import Message

SHARE = 0.05          # of the training time, at most, spent measuring (the feature network included)
CHUNK = 8             # samples generated at a time: the first chunk's time says what the rest will cost
FIRST_CHUNK_MARGIN = 1.5   # first chunk × chunks fell short for the PixelCNN (RESULTS.md, "Quality while training")
FIRST_GAP = 1 / 8     # the first measurement after this share of `every_minutes`; the gap doubles from there


class QualityMeter:
    """When to measure, within what budget, and the measuring itself (on the Trainer's thread)."""

    def __init__(self, dataset: ImageDataset, train_idx: np.ndarray, val_idx: np.ndarray, *,
                 every_minutes: float, samples: int, seed: int, cache: Path | None = None,
                 feature_steps: int | None = None):
        from studio.engine.evaluation.evaluate import MIN_SAMPLES

        self.dataset = dataset
        self.train_idx, self.val_idx = np.asarray(train_idx), np.asarray(val_idx)
        self.every = every_minutes * 60
        self.samples = samples
        self.seed = seed
        self.cache = cache
        self.feature_steps = feature_steps
        self.reference = None                 # the evaluation's Reference, once the network is there
        self.spent = 0.0                      # seconds spent measuring (and training the network) in this run
        self.gap = self.every * FIRST_GAP
        self.next_due = self.gap              # training seconds at which the next measurement is due
        self.expected: float | None = None    # what one measurement costs, from the last one
        self.enabled = every_minutes > 0 and samples >= MIN_SAMPLES      # the user's choice: no need to say
        self.off: Message | None = None       # why quality cannot be measured in this run (said once)
        if self.enabled and len(self.val_idx) < MIN_SAMPLES:
            self.off = Message("training.quality_too_few", count=len(self.val_idx), needed=MIN_SAMPLES)

    # -- what a checkpoint keeps ------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"spent": self.spent, "gap": self.gap, "next_due": self.next_due, "expected": self.expected}

    def restore(self, saved: Any) -> None:
        if isinstance(saved, dict):
            self.spent = float(saved.get("spent", 0.0))
            self.gap = float(saved.get("gap", self.gap))
            self.next_due = float(saved.get("next_due", self.next_due))
            expected = saved.get("expected")
            self.expected = float(expected) if isinstance(expected, (int, float)) else None

    # -- when --------------------------------------------------------------------------------------------------
    def due(self, train_seconds: float, final: bool = False) -> bool:
        """Whether to measure now: the gap has passed (or training ends: `final`) and the last measurement's
        cost fits the share."""
        if not self.enabled or self.off is not None or (train_seconds < self.next_due and not final):
            return False
        if self.expected is not None and self.spent + self.expected > SHARE * train_seconds:
            self.next_due = (self.spent + self.expected) / SHARE      # when the share will have room for it
            return False
        return True

    def _advance(self, train_seconds: float) -> None:
        self.gap = min(self.every, self.gap * 2)
        self.next_due = train_seconds + self.gap

    # -- measuring ---------------------------------------------------------------------------------------------
    def measure(self, family, step: int, train_seconds: float, expected_seconds: float | None,
                stop: Callable[[], bool]) -> Measured | TrainingWarning | None:
        """Measure now. A Measured event; a TrainingWarning when quality cannot be measured in this run (said
        once); None when the measurement was put off (too costly now, or training is stopping)."""
        devices = [family.device] if getattr(family, "device", None) is not None and family.device.type == "cuda" \
            else []
        started = time.perf_counter()
        with torch.random.fork_rng(devices=devices):           # the training's random state stays as it was
            try:
                if self.reference is None:
                    self._prepare(expected_seconds, stop)
                    if self.off is not None:
                        return TrainingWarning(step, self.off)
                if self.reference is None:
                    return None
                measured = self._measure(family, step, train_seconds, stop, self.spent + time.perf_counter() - started)
            finally:
                self.spent += time.perf_counter() - started
        if measured is None:
            return None
        return dataclasses.replace(measured, share=self.spent / max(train_seconds, 1e-9))

    def _prepare(self, expected_seconds: float | None, stop: Callable[[], bool]) -> None:
        """The feature network (cached, or trained if it fits half the share of the run) and the held-out features."""
        from studio.engine.evaluation.check import DegradationCheck
        from studio.engine.evaluation.evaluate import Reference
        from studio.engine.evaluation.features import feature_network

        allowance = SHARE / 2 * (expected_seconds or 0.0)
        making = feature_network(self.dataset, self.train_idx, steps=self.feature_steps, seed=self.seed,
                                 cache=self.cache)
        started = time.perf_counter()
        try:
            while True:
                progress = next(making)                     # a cached network returns at once, with no progress
                elapsed = time.perf_counter() - started
                projected = elapsed * progress.total / max(1, progress.step)
                if projected > allowance:
                    making.close()
                    self.off = Message("training.quality_skipped", seconds=round(projected),
                                       share=round(SHARE * 100))
                    return
                if stop():
                    making.close()
                    return
        except StopIteration as done:
            network = done.value
        held = network.features(self.dataset.images[self.val_idx])
        empty = np.zeros((0, held.shape[1]), held.dtype)
        self.reference = Reference(network, self.dataset, self.train_idx, self.val_idx, empty,
                                   np.zeros(0, np.int64), held, DegradationCheck(()))

    def _measure(self, family, step: int, train_seconds: float, stop: Callable[[], bool],
                 spent: float) -> Measured | None:
        from studio.engine.evaluation.evaluate import _adherence, _mean_known, generate
        from studio.engine.evaluation.metrics import kid

        started = time.perf_counter()
        family.eval()
        making = generate(family, self.reference, self.samples, seed=self.seed, batch=CHUNK)
        try:
            while True:
                progress = next(making)
                if progress.done == 0:
                    continue
                if stop():
                    making.close()
                    return None
                if self.expected is None:                   # the first chunk of the first measurement, with room:
                    self.expected = (FIRST_CHUNK_MARGIN * (time.perf_counter() - started) * progress.total
                                     / progress.done)            # chunks differ (prompts, a slow first call)
                    so_far = spent + time.perf_counter() - started
                    if so_far + self.expected > SHARE * train_seconds:
                        making.close()
                        self.next_due = (so_far + self.expected) / SHARE
                        return None
        except StopIteration as done:
            images, prompts = done.value
        features = self.reference.network.features(images)
        value, spread = kid(self.reference.heldout_features, features, seed=self.seed)
        adherence = _mean_known(_adherence(self.reference, images, prompts))
        cost = time.perf_counter() - started
        self.expected = cost
        self._advance(train_seconds)
        return Measured(step=step, kid=value, kid_std=spread, adherence=adherence, samples=len(images),
                        train_seconds=train_seconds, cost_seconds=cost, share=0.0)
