"""Recent runs: run folders under the user data folder, and those opened from elsewhere, newest first.

Only each run's `config.json` is read (as JSON: nothing from disk runs); a folder
that is not a readable genstudio run is left out of the list, never an error.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable


@dataclass(frozen=True)
class RecentRun:
    path: Path
    family: str
    modified: float          # seconds since the epoch of its newest checkpoint (or its config)


def _describe(folder: Path) -> RecentRun | None:
    config = folder / "config.json"
    try:
        family = str(json.loads(config.read_text(encoding="utf-8"))["family"])
        stamps = [config.stat().st_mtime]
        checkpoints = folder / "checkpoints"
        if checkpoints.is_dir():
            stamps += [p.stat().st_mtime for p in checkpoints.glob("*.safetensors")]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return RecentRun(folder, family, max(stamps))


def recent_runs(runs_root: Path, opened: Iterable[str] = (), limit: int = 10) -> list[RecentRun]:
    """The newest `limit` runs among the folders in `runs_root` and the `opened` paths."""
    folders: dict[Path, None] = {}
    try:
        for child in runs_root.iterdir():
            if child.is_dir():
                folders[child.resolve()] = None
    except OSError:
        pass                                   # no runs yet
    for path in opened:
        folders[Path(path).resolve()] = None
    runs = [run for run in map(_describe, folders) if run is not None]
    return sorted(runs, key=lambda run: run.modified, reverse=True)[:limit]


def remember_run(opened: list[str], path: str, keep: int = 20) -> list[str]:
    """`opened` with `path` moved to the front (each path once, at most `keep`)."""
    path = str(Path(path).resolve())
    return [path] + [p for p in opened if p != path][: keep - 1]
