"""What the Compare step runs in its background Jobs: plain Python over studio.engine, no Qt.

`compare_runs_for_view()` evaluates each chosen run (or reads its saved evaluation.json when that is of the
run's checkpoint, with as many samples) and adds what the page shows besides the figures: a grid of samples at
the same seeds for every run, each sample of the memorisation strip beside its nearest training image, and
the quality-over-time records of metrics.jsonl. It yields the engine's progress events, a `RunStarted` before
each run and a `RunCompared` after it, and returns the list of results. One run's failure (its dataset is
gone, its checkpoint unreadable) is that run's result, said in words; the others go on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

GRID = 16                 # samples shown per run
GRID_SEED = 0             # the same seed for every run: the grids differ only by the model


@dataclass(frozen=True)
class RunEntry:
    """A run folder as the list shows it, from its config.json and its last checkpoint's header."""

    path: Path
    family: str
    step: int | None
    fingerprint: str | None
    source: str | None
    image_size: int | None


def describe_run(folder: Path) -> RunEntry | None:
    """A run folder's entry; None when it is not a readable genstudio run (never an error)."""
    from studio.engine import CheckpointError, read_meta

    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        family = str(config["family"])
        dataset = config.get("dataset") or {}
        data = config.get("data") or {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    step = None
    last = folder / "checkpoints" / "last.safetensors"
    if last.is_file():
        try:
            step = int(read_meta(last).get("step", 0))
        except (CheckpointError, ValueError, TypeError):
            step = None
    return RunEntry(folder, family, step, dataset.get("fingerprint"), dataset.get("source"), data.get("image_size"))


def list_runs(root: Path, extra=()) -> list[RunEntry]:
    """Every run folder under `root`, then the `extra` folders, each once, newest first."""
    folders: dict[Path, None] = {}
    try:
        for child in sorted(root.iterdir()):
            if child.is_dir():
                folders[child.resolve()] = None
    except OSError:
        pass
    for path in extra:
        folders[Path(path).resolve()] = None
    entries = [entry for entry in map(describe_run, folders) if entry is not None]
    return sorted(entries, key=_modified, reverse=True)


def _modified(entry: RunEntry) -> float:
    try:
        return (entry.path / "config.json").stat().st_mtime
    except OSError:
        return 0.0


@dataclass(frozen=True)
class RunStarted:
    index: int
    total: int
    path: str


@dataclass(frozen=True)
class StripPair:
    sample: np.ndarray | None      # (H, W, C) uint8; None when the saved evaluation did not keep it
    train: np.ndarray              # its nearest training image
    ratio: float                   # distance / the copy threshold: below 1, likely a copy


@dataclass(frozen=True)
class RunResult:
    """One run's part of the comparison (plain data for the UI)."""

    path: str
    family: str
    step: int | None = None
    evaluation: Any = None                         # studio.engine.Evaluation, or None when it failed
    grid: np.ndarray | None = None                 # (GRID, H, W, C) uint8 at GRID_SEED
    pairs: tuple[StripPair, ...] = ()
    quality: tuple[tuple[int, float], ...] = ()    # (step, KID) measured while training
    reused: bool = False                           # the figures come from the run's saved evaluation.json
    error: Any = None                              # the exception that stopped it (shown with engine_text)
    extra: dict = field(default_factory=dict)      # what a Comparison adds: parameters, seconds, speeds
    data: Any = field(default=None, repr=False, compare=False)   # the dataset it was scored against


@dataclass(frozen=True)
class ComparisonMade:
    """The engine's Comparison of the measured runs (what Export report writes)."""

    comparison: Any


@dataclass(frozen=True)
class RunCompared:
    index: int
    result: RunResult


def quality_records(metrics) -> tuple[tuple[int, float], ...]:
    """(step, KID) of the metrics.jsonl records that measured quality during training."""
    out = []
    for record in metrics:
        value = record.get("kid")
        if isinstance(value, (int, float)) and np.isfinite(value) and "step" in record:
            out.append((int(record["step"]), float(value)))
    return tuple(sorted(out))


def saved_evaluation(path: Path, step: int, n: int, seed: int):
    """The run's evaluation.json when it is of this checkpoint step, with n samples at this seed, measured with
    today's feature network; else None."""
    from studio.engine import FEATURE_VERSION, load_evaluation

    saved = load_evaluation(path)
    if saved is None or saved.step != step or saved.model.n != n or saved.seed != seed \
            or saved.feature_version != FEATURE_VERSION:
        return None
    return saved


def _grid(family) -> np.ndarray:
    import torch

    last = None
    with torch.inference_mode():
        for frame in family.sample(GRID, seed=GRID_SEED):
            last = frame
    return np.asarray(last.images)


def compare_one(path: str, *, n: int, seed: int, dataset=None, cache: Path | None = None, reuse: bool = True,
                feature_steps: int | None = None, cancel=None):
    """Generator: one run's RunResult (the engine's progress events on the way)."""
    from studio.engine import Run, evaluate_run, open_run, run_dataset, save_evaluation

    info, family, _provenance = open_run(path)
    grid = _grid(family)
    del family
    quality = quality_records(info.metrics)
    run = Run.open(Path(path))
    given = dataset if dataset is not None and dataset.fingerprint == run.config.get("dataset", {}).get(
        "fingerprint") else None
    data, _warnings = run_dataset(run, given)             # EvaluationError when the dataset is gone
    evaluation = saved_evaluation(Path(path), info.step, n, seed) if reuse else None
    reused = evaluation is not None
    if evaluation is None:
        evaluation = yield from evaluate_run(path, n=n, seed=seed, dataset=data, cache=cache, cancel=cancel,
                                             feature_steps=feature_steps)
        try:
            save_evaluation(path, evaluation)
        except OSError:
            pass                                          # a read-only run: the figures are shown all the same
    pairs = tuple(StripPair(None if evaluation.samples is None else evaluation.samples[p.sample],
                            data.images[p.train], p.ratio)
                  for p in evaluation.nearest if 0 <= p.train < len(data))
    return RunResult(str(path), info.family, info.step, evaluation, grid, pairs, quality, reused, data=data)


def compare_runs_for_view(paths, *, n: int, seed: int = 0, dataset=None, cache: Path | None = None,
                          reuse: bool = True, feature_steps: int | None = None, cancel=None):
    """Generator over the chosen runs: RunStarted, the engine's events, RunCompared; returns the results."""
    from studio.engine import user_errors

    results = []
    for index, path in enumerate(paths):
        yield RunStarted(index, len(paths), str(path))
        try:
            result = yield from compare_one(str(path), n=n, seed=seed, dataset=dataset, cache=cache, reuse=reuse,
                                            feature_steps=feature_steps, cancel=cancel)
        except user_errors() as error:
            entry = describe_run(Path(path))
            result = RunResult(str(path), entry.family if entry else "?", entry.step if entry else None,
                               error=error)
        results.append(result)
        yield RunCompared(index, result)
    measured = [(r.path, r.evaluation, r.data) for r in results if r.evaluation is not None and r.data is not None]
    if measured:
        from studio.engine import comparison_of

        yield ComparisonMade(comparison_of([(path, ev) for path, ev, _ in measured], measured[0][2]))
    return results
