"""Following a run folder that another process trains: what changed since the last look.

    reader = RunReader(run_dir)
    update = reader.poll()       # a FollowUpdate: new metrics records, new previews, the newest checkpoint, state

The writer (the Trainer of the CLI, torchrun's rank 0, or a synced copy of a server's folder) appends to
`metrics.jsonl`, saves preview grids in `samples/`, and checkpoints atomically with a `.sha256` beside them;
its owner lock says whether it is alive (runlock.py). `poll()` reads only what is new: the metrics file from the
byte where it stopped (a partial last line waits for its end; a file rewritten shorter, as a resume does, is
read again whole), previews it has not seen, and the newest checkpoint's header when that file changed. It is
cheap when nothing changed (a few `stat` calls), so a poller can call it every second.

State of the run, from its lock and the files:
    running   a live process holds the lock (or, without a lock, the files changed within `ACTIVE_SECONDS`)
    finished  nobody holds it and its last checkpoint says the training completed
    stopped   nobody holds it and training stopped (by the user, or failed) before the end
    stalled   its lock is stale (the owner is gone or silent), or the files stopped changing without a clean end

No Qt and no torch at import: the app calls poll() in a worker; `load_newest_model` (torch) loads a checkpoint whole.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from studio.engine.runlock import STALE_SECONDS, LockOwner, read_run_lock

RUNNING, FINISHED, STOPPED, STALLED = "running", "finished", "stopped", "stalled"
ACTIVE_SECONDS = 120.0       # a run without a lock (an older genstudio) counts as running this long after a change
FIRST_PREVIEWS = 50          # the newest previews read at the first poll (older ones are left on disk)
MAX_READ = 8 << 20           # metrics bytes read per poll: a huge file arrives over several polls


@dataclass(frozen=True)
class Preview:
    """A preview grid the writer saved: (H, W, C) uint8."""

    step: int
    path: str
    image: np.ndarray


@dataclass(frozen=True)
class FollowUpdate:
    """What a poll found. `records` are new metrics lines (all of them when `reset`: redraw from scratch)."""

    state: str
    owner: LockOwner | None
    step: int                              # the newest step seen in the metrics (0 before any)
    total_steps: int | None                # the run's length as its config says now
    minutes: float | None
    records: tuple = ()
    reset: bool = False
    previews: tuple = ()                   # Preview, oldest first
    checkpoint: str | None = None          # the newest checkpoint when it changed since the last poll
    checkpoint_step: int = 0
    idle_seconds: float = 0.0              # since any of the run's files last changed

    @property
    def changed(self) -> bool:
        return bool(self.records or self.reset or self.previews or self.checkpoint)


class RunReader:
    """Reads a run folder incrementally. One reader per followed run; not thread-safe (one poll at a time)."""

    def __init__(self, run_dir: Path | str, *, stale_after: float = STALE_SECONDS,
                 active_seconds: float = ACTIVE_SECONDS):
        self.path = Path(run_dir)
        self.stale_after = stale_after
        self.active_seconds = active_seconds
        self._metrics_id: tuple[int, int] | None = None     # (device, inode) of the metrics file being tailed
        self._offset = 0
        self._partial = b""
        self._step = 0
        self._previews_seen: set[str] = set()
        self._first = True
        self._checkpoint_sig: tuple | None = None
        self._checkpoint_meta: dict[str, Any] = {}
        self._config_sig: tuple | None = None
        self._config: dict[str, Any] = {}
        self._last_change = 0.0

    # -- the parts ---------------------------------------------------------------------------
    def _read_metrics(self) -> tuple[list[dict], bool]:
        path = self.path / "metrics.jsonl"
        try:
            stat = path.stat()
        except OSError:
            return [], False
        self._saw(stat.st_mtime)
        identity = (stat.st_dev, stat.st_ino)
        reset = self._metrics_id is not None and (identity != self._metrics_id or stat.st_size < self._offset)
        if reset or self._metrics_id is None:      # first look, or rewritten (a resume drops the lines past its step)
            self._metrics_id, self._offset, self._partial, self._step = identity, 0, b"", 0
        if stat.st_size == self._offset:
            return [], reset
        try:
            with open(path, "rb") as f:
                f.seek(self._offset)
                chunk = f.read(MAX_READ)
        except OSError:
            return [], reset
        self._offset += len(chunk)
        data = self._partial + chunk
        lines = data.split(b"\n")
        self._partial = lines.pop()                # b"" after a whole line; else a line still being written
        records = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:                     # a torn line (a crash mid-write): skipped, as Run.read_metrics does
                continue
            if isinstance(record, dict):
                records.append(record)
                if isinstance(record.get("step"), (int, float)):
                    self._step = max(self._step, int(record["step"]))
        return records, reset

    def _read_previews(self) -> list[Preview]:
        folder = self.path / "samples"
        try:
            names = sorted(entry.name for entry in os.scandir(folder)
                           if entry.name.startswith("step-") and entry.name.endswith(".png"))
        except OSError:
            return []
        new = [name for name in names if name not in self._previews_seen]
        if self._first:
            self._previews_seen.update(new[:-FIRST_PREVIEWS])
            new = new[-FIRST_PREVIEWS:]
        out = []
        for name in new:
            image = _read_png(folder / name)
            if image is None:                      # still being written: the next poll reads it
                continue
            self._previews_seen.add(name)
            out.append(Preview(_step_of(name), str(folder / name), image))
        if out:
            self._saw(time.time())
        return out

    def _read_checkpoint(self) -> tuple[str | None, dict[str, Any]]:
        """The newest checkpoint and its metadata when `last` (or its hash file) changed; it is loaded whole and
        checked against its hash later, by whoever loads it."""
        from studio.engine.checkpoint import CheckpointError, hash_path, read_meta

        path = self.path / "checkpoints" / "last.safetensors"
        sig = tuple(_signature(p) for p in (path, hash_path(path)))
        if sig == self._checkpoint_sig or sig[0] is None:
            return None, self._checkpoint_meta
        try:
            meta = read_meta(path)
        except (CheckpointError, OSError):
            return None, self._checkpoint_meta     # being replaced: the next poll sees the new one
        self._checkpoint_sig, self._checkpoint_meta = sig, meta
        self._saw(sig[0][0] / 1e9)
        return str(path), meta

    def _read_config(self) -> dict[str, Any]:
        path = self.path / "config.json"
        sig = _signature(path)
        if sig != self._config_sig:
            try:
                config = json.loads(path.read_text(encoding="utf-8"))
                self._config, self._config_sig = (config if isinstance(config, dict) else {}), sig
            except (OSError, ValueError):
                pass                               # being replaced: keep the last one read
        return self._config

    def _saw(self, mtime: float) -> None:
        self._last_change = max(self._last_change, mtime)

    # -- the whole -----------------------------------------------------------------------------
    def state(self, owner: LockOwner | None, idle_seconds: float) -> str:
        if owner is not None:
            return STALLED if owner.stale else RUNNING
        reason = self._checkpoint_meta.get("reason")
        if reason == "completed":
            return FINISHED
        if reason in ("stopped", "failed"):
            return STOPPED
        return RUNNING if idle_seconds < self.active_seconds else STALLED

    def poll(self) -> FollowUpdate:
        """What changed since the last poll (everything, at the first)."""
        records, reset = self._read_metrics()
        reset = reset or self._first
        previews = self._read_previews()
        checkpoint, meta = self._read_checkpoint()
        config = self._read_config().get("train_config", {})
        owner = read_run_lock(self.path, stale_after=self.stale_after)
        idle = max(0.0, time.time() - self._last_change) if self._last_change else float("inf")
        self._first = False
        steps, minutes = config.get("steps"), config.get("minutes")
        return FollowUpdate(
            state=self.state(owner, idle), owner=owner, step=max(self._step, int(meta.get("step", 0))),
            total_steps=int(steps) if isinstance(steps, (int, float)) and steps else None,
            minutes=float(minutes) if isinstance(minutes, (int, float)) and minutes else None,
            records=tuple(records), reset=reset, previews=tuple(previews), checkpoint=checkpoint,
            checkpoint_step=int(meta.get("step", 0)), idle_seconds=idle)


def load_newest_model(run_dir: Path | str, checkpoint: Path | str | None = None):
    """The run's model at `checkpoint` (default: its newest whole one), read whole and checked against the hash
    beside it, so a checkpoint still being written is never loaded: (Family, Provenance, step)."""
    from studio.engine.opening import model_provenance
    from studio.engine.run import Run

    run = Run.open(Path(run_dir))
    family, ckpt = run.load_family(Path(checkpoint) if checkpoint else None)
    return family, model_provenance(run, ckpt), ckpt.step


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _step_of(name: str) -> int:
    try:
        return int(name[len("step-"):-len(".png")])
    except ValueError:
        return 0


def _read_png(path: Path) -> np.ndarray | None:
    """A preview grid as (H, W, C) uint8, or None when it cannot be read whole (yet)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.load()
            array = np.asarray(image.convert("L" if image.mode in ("L", "I", "I;16") else "RGB"))
    except (OSError, ValueError, SyntaxError):
        return None
    return array[..., None] if array.ndim == 2 else array
