"""Save a run as a new folder: the whole run, and the model in memory when training could not save it.

    save_run_as(run, "/mnt/big/vae-copy")                    # an open run, copied whole
    save_run_as(run, "/mnt/big/vae-copy", trainer=trainer)   # training stopped (full disk): the live model

The new folder gets everything the run holds (config.json, metrics.jsonl, checkpoints/ with their .json and
.sha256, samples/, gallery/, evaluation.json, ...) but the owner lock and leftover temporary files. With a
`trainer` whose model is still in memory, its checkpoints/last.safetensors is that model as it is now
(weights, EMA, optimizer state, step: what a periodic save would have written), so training continues there.

Nothing is written over: the target must be new or an empty folder. The copy is made in a hidden temporary
folder beside the target and renamed into place, so a full disk or a kill leaves no half run; the source run is
only read. The space it needs is checked first and named when it is not there.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from studio.engine.checkpoint import FULL_DISK, HASH_SUFFIX, save_checkpoint, size_text
from studio.engine.messages import os_reason
from studio.engine.run import LAST, Run, RunError, versions

if TYPE_CHECKING:
    from studio.engine.training import Trainer

ProgressFn = Callable[[int, int], None]
SKIPPED = ("owner.lock",)              # which process trains the source run: not the copy's business (runlock.py)
_CHUNK = 1 << 20


def save_run_as(source: Path | str, target: Path | str, *, trainer: "Trainer | None" = None,
                progress: ProgressFn | None = None) -> Path:
    """Write the run at `source` as the new run folder `target` and return it (see the module's docstring).

    trainer: a Trainer of this run whose model is in memory (its run() has ended, by a failed save or
    otherwise); its model becomes the copy's last checkpoint. progress(done, total) in bytes.
    Raises RunError naming the folder and what to do: the target is not new or empty, lies inside the run,
    has no room (the space needed and free), or a write failed (nothing is left there)."""
    run = Run.open(Path(source))
    target = Path(target).expanduser().absolute()
    _check_target(run, target)
    snapshot = _snapshot(run, trainer) if trainer is not None else None
    files = _files(run, replacing_last=snapshot is not None)
    needed = sum(size for _, size in files) + (_checkpoint_bytes(snapshot[0]) if snapshot else 0)
    free = shutil.disk_usage(_existing(target.parent)).free
    if free < needed:
        raise RunError("run.save_as_no_room", path=target, size=size_text(needed), free=size_text(free))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as e:
        raise RunError("run.save_as_failed", path=target, reason=os_reason(e), run=run.path) from None
    try:
        _copy(run.path, tmp, files, needed, progress)
        if snapshot is not None:
            _write_model(run, tmp, *snapshot)
        if target.is_dir():
            target.rmdir()             # empty (checked above); one that filled up meanwhile refuses
        os.rename(tmp, target)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if not isinstance(e, OSError):
            raise
        if getattr(e, "errno", None) in FULL_DISK:
            raise RunError("run.save_as_no_room", path=target, size=size_text(needed),
                           free=size_text(shutil.disk_usage(target.parent).free)) from None
        raise RunError("run.save_as_failed", path=target, reason=os_reason(e), run=run.path) from None
    return target


def _check_target(run: Run, target: Path) -> None:
    source = run.path.resolve()
    resolved = target.resolve()
    if resolved == source or source in resolved.parents:
        raise RunError("run.save_as_inside", path=target, run=run.path)
    if target.exists():
        if not target.is_dir():
            raise RunError("run.not_a_folder", path=target)
        if Run.is_run(target):
            raise RunError("run.holds_a_run", path=target)
        if any(target.iterdir()):
            raise RunError("run.not_empty", path=target)


def _existing(folder: Path) -> Path:
    """The nearest folder that exists: where the target will be made, for its free space."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _snapshot(run: Run, trainer: "Trainer"):
    """The live model's checkpoint contents (tensors, metadata), as the Trainer's own saves make them."""
    if trainer.family is None or Path(trainer.run_dir).resolve() != run.path.resolve():
        raise RunError("run.save_as_no_model", path=run.path)
    tensors, meta = trainer._snapshot()             # engine-internal: what Trainer._save writes
    return tensors, {"family": run.family_name, "versions": versions(), **meta, "reason": "saved_as"}


def _checkpoint_bytes(tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors.values()) + (1 << 20)    # + header, sidecars


def _files(run: Run, *, replacing_last: bool) -> list[tuple[Path, int]]:
    """(path relative to the run, size) of every regular file to copy."""
    last = {f"{LAST}.safetensors", f"{LAST}.json", f"{LAST}{HASH_SUFFIX}"}
    files = []
    for path in sorted(run.path.rglob("*")):
        relative = path.relative_to(run.path)
        if path.is_symlink() or not path.is_file() or relative.name in SKIPPED:
            continue
        if relative.name.startswith(".") and relative.name.endswith(".tmp"):       # a killed save's leftovers
            continue
        if replacing_last and relative.parent == Path("checkpoints") and relative.name in last:
            continue
        files.append((relative, path.stat().st_size))
    return files


def _copy(source: Path, out: Path, files: list[tuple[Path, int]], total: int, progress: ProgressFn | None) -> None:
    done = 0
    for relative, _ in files:
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        with open(source / relative, "rb") as src, open(out / relative, "xb") as dst:
            while chunk := src.read(_CHUNK):
                dst.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        shutil.copystat(source / relative, out / relative)


def _write_model(run: Run, out: Path, tensors, meta) -> None:
    """The live model as the copy's last checkpoint (atomic, with its hash), and the config it was trained with."""
    (out / "checkpoints").mkdir(exist_ok=True)
    (out / "samples").mkdir(exist_ok=True)
    save_checkpoint(out / "checkpoints" / f"{LAST}.safetensors", tensors, meta)
    config = {**run.config, "train_config": meta.get("train_config", run.config.get("train_config"))}
    (out / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
