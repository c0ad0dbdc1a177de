"""Compare runs on one dataset: each run's Evaluation beside its cost and its quality over training time.

compare_runs is a generator like evaluate_run: CompareProgress before each run, the evaluation's own events
between, a Comparison at the end. Runs with the same train / held-out split share one Reference.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Generator, Sequence

from studio.engine.evaluation.evaluate import (Evaluation, EvaluationError, evaluate_run, prepare_reference,
                                               run_dataset, split_of)


@dataclass(frozen=True)
class CompareProgress:
    """Run `index` of `total` (from 0) is about to be evaluated."""

    index: int
    total: int
    run: str
    family: str


@dataclass(frozen=True)
class RunEntry:
    """One run in a comparison: its evaluation and what it cost."""

    run: str
    family: str
    step: int
    evaluation: Evaluation
    parameters: int
    train_seconds: float | None
    train_images_per_sec: float | None
    sample_images_per_sec: float | None
    curve: tuple[tuple[float, float], ...]     # (seconds trained, kid) from metrics.jsonl records with "kid"


@dataclass(frozen=True)
class Comparison:
    """The runs of compare_runs, all scored against the same dataset."""

    entries: tuple[RunEntry, ...]
    dataset: str
    images: int
    heldout: int
    feature_kind: str


def _cost(records: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    """Seconds trained and the mean training images/s, from the Trainer's "train" records."""
    train = [r for r in records if r.get("kind") == "train"]
    seconds = max((float(r["seconds"]) for r in train if "seconds" in r), default=None)
    rates = [float(r["images_per_sec"]) for r in train if r.get("images_per_sec")]
    return seconds, (sum(rates) / len(rates) if rates else None)


def _curve(records: list[dict[str, Any]]) -> tuple[tuple[float, float], ...]:
    """(seconds, kid) of every record that carries a kid, in training order; empty when none were logged."""
    return tuple((float(r.get("seconds", r.get("elapsed", 0.0))), float(r["kid"]))
                 for r in records if r.get("kid") is not None)


def compare_runs(runs: Sequence[str | Path], *, n: int = 200, seed: int = 0, dataset=None, cache: Path | None = None,
                 cancel: Callable[[], bool] | None = None,
                 feature_steps: int | None = None) -> Generator[Any, None, Comparison]:
    """Evaluate each run at the same seeds against one dataset; refuse runs trained on other data."""
    from studio.engine.run import Run

    if not runs:
        raise EvaluationError("compare.no_runs")
    opened = [Run.open(Path(r)) for r in runs]
    first = opened[0].config.get("dataset", {}).get("fingerprint")
    for run in opened[1:]:
        if run.config.get("dataset", {}).get("fingerprint") != first:
            raise EvaluationError("compare.other_dataset", path=str(run.path), first=str(opened[0].path))
    dataset, _ = run_dataset(opened[0], dataset)
    references: dict[tuple, Any] = {}
    entries = []
    for index, run in enumerate(opened):
        yield CompareProgress(index, len(opened), str(run.path), run.family_name)
        train_idx, heldout_idx = split_of(run, dataset)
        key = (tuple(train_idx.tolist()), tuple(heldout_idx.tolist()))
        if key not in references:       # one feature pass per distinct split
            references[key] = yield from prepare_reference(dataset, train_idx, heldout_idx, seed=seed, cache=cache,
                                                           feature_steps=feature_steps)
        evaluation = yield from evaluate_run(run.path, n=n, seed=seed, dataset=dataset, cache=cache,
                                             reference=references[key], cancel=cancel, feature_steps=feature_steps)
        entries.append(_entry(run, evaluation, n))
    last = entries[-1].evaluation
    return Comparison(entries=tuple(entries), dataset=dataset.report.root, images=len(dataset), heldout=last.heldout,
                      feature_kind=last.feature_kind)


def _entry(run, evaluation: Evaluation, n: int) -> RunEntry:
    records = run.read_metrics()
    seconds, rate = _cost(records)
    family, _ = run.load_family()
    sampling = evaluation.seconds.get("sampling")
    return RunEntry(run=str(run.path), family=run.family_name, step=evaluation.step or 0, evaluation=evaluation,
                    parameters=family.parameter_count(), train_seconds=seconds, train_images_per_sec=rate,
                    sample_images_per_sec=(n / sampling if sampling else None), curve=_curve(records))
