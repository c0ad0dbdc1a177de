"""A run folder: one training run of one family on one dataset.

    <run>/config.json      family, config, dataset fingerprint, versions
    <run>/checkpoints/     last.safetensors (+ .json) and a few periodic ones
    <run>/samples/         preview grids over time
    <run>/metrics.jsonl    one line per logged step

The CLI and the app read and write the same folders.
"""
from __future__ import annotations

import dataclasses
import json
import platform
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import torch

from studio import __version__
from studio.engine.checkpoint import (
    Checkpoint, CheckpointError, DiskFullError, atomic_write_text, check_checkpoint, hash_path, load_checkpoint,
    read_meta, save_checkpoint,
)
from studio.engine.export import frame_grid, save_png
from studio.engine.families.base import DataInfo, Family, Frame, get_family
from studio.engine.messages import EngineError, Message, os_reason

RUN_FORMAT = "genstudio.run"
RUN_VERSION = 1
LAST = "last"


class RunError(EngineError):
    """A run folder cannot be created or opened; str(e) names the folder and the reason."""


def versions() -> dict[str, str]:
    return {"genstudio": __version__, "torch": torch.__version__, "python": platform.python_version()}


class Run:
    """A run folder on disk. Create with `Run.create`, open with `Run.open`."""

    def __init__(self, path: Path, config: dict[str, Any]):
        self.path = Path(path)
        self.config = config

    # -- paths ---------------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / "checkpoints"

    @property
    def samples_dir(self) -> Path:
        return self.path / "samples"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.jsonl"

    @property
    def family_name(self) -> str:
        return self.config["family"]

    @property
    def data_info(self) -> DataInfo:
        return DataInfo.from_dict(self.config["data"])

    # -- create / open -------------------------------------------------------------
    @staticmethod
    def is_run(path: Path) -> bool:
        return (Path(path) / "config.json").is_file()

    @classmethod
    def create(cls, path: Path, *, family: str, family_config: Mapping[str, Any], train_config: Mapping[str, Any],
               data: DataInfo, dataset: Mapping[str, Any]) -> "Run":
        """Make a new run folder. Refuses a folder that already holds anything."""
        path = Path(path).expanduser()
        if path.exists():
            if not path.is_dir():
                raise RunError("run.not_a_folder", path=path)
            if cls.is_run(path):
                raise RunError("run.holds_a_run", path=path)
            if any(path.iterdir()):
                raise RunError("run.not_empty", path=path)
        try:
            (path / "checkpoints").mkdir(parents=True, exist_ok=True)
            (path / "samples").mkdir(exist_ok=True)
        except OSError as e:
            raise RunError("run.cannot_create", path=path, reason=os_reason(e)) from None
        config = {
            "format": RUN_FORMAT, "version": RUN_VERSION, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "family": family, "family_config": dict(family_config), "train_config": dict(train_config),
            "data": data.to_dict(), "dataset": dict(dataset), "versions": versions(),
        }
        run = cls(path, config)
        try:
            run.write_config()
        except OSError as e:           # a full or read-only disk: the folder was made, its config not written
            raise RunError("run.cannot_create", path=path, reason=os_reason(e)) from None
        return run

    @classmethod
    def open(cls, path: Path) -> "Run":
        path = Path(path).expanduser()
        if not path.exists():
            raise RunError("run.not_found", path=path)
        if path.is_file() and path.suffix == ".safetensors":   # a checkpoint inside a run
            path = path.parent.parent
        if not cls.is_run(path):
            raise RunError("run.not_a_run", path=path)
        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise RunError("run.config_unreadable", path=path / "config.json", error=str(e)) from None
        if not isinstance(config, dict) or config.get("format") != RUN_FORMAT:
            raise RunError("run.not_a_config", path=path / "config.json")
        version = config.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise RunError("run.bad_version", path=path / "config.json", version=version)
        if version > RUN_VERSION:
            raise RunError("run.newer", path=path, version=version)
        for key in ("family", "family_config", "train_config", "data"):
            if key not in config:
                raise RunError("run.missing_key", path=path / "config.json", key=key)
        return cls(path, config)

    def write_config(self) -> None:
        atomic_write_text(self.config_path, json.dumps(self.config, indent=2, sort_keys=True) + "\n")

    def update_config(self, **changes: Any) -> None:
        self.config.update(changes)
        self.write_config()

    # -- checkpoints ---------------------------------------------------------------
    def checkpoint_path(self, name: str = LAST) -> Path:
        return self.checkpoints_dir / f"{name}.safetensors"

    def checkpoints(self) -> list[Path]:
        """Periodic checkpoints, oldest first (not `last`)."""
        return sorted(p for p in self.checkpoints_dir.glob("step-*.safetensors"))

    def latest_checkpoint(self) -> Path | None:
        """`last` if it is whole, else the newest periodic checkpoint that is (each read in full, its sha256
        checked); None when none is."""
        for path in self._newest_first():
            try:
                check_checkpoint(path)
                return path
            except CheckpointError:
                continue
        return None

    def _newest_first(self) -> list[Path]:
        return [p for p in (self.checkpoint_path(LAST), *reversed(self.checkpoints())) if p.exists()]

    def save_checkpoint(self, tensors: Mapping[str, torch.Tensor], meta: Mapping[str, Any], *,
                        periodic: bool = False, keep: int = 3) -> Path:
        """Write `last` (and a `step-N` copy when periodic, keeping the newest `keep`).

        A full disk raises DiskFullError naming the space needed and the last good checkpoint; nothing is
        deleted to make room."""
        meta = {"family": self.family_name, "versions": versions(), **meta}
        try:
            path = save_checkpoint(self.checkpoint_path(LAST), tensors, meta)
            if periodic and keep > 0:
                save_checkpoint(self.checkpoints_dir / f"step-{int(meta.get('step', 0)):08d}.safetensors",
                                tensors, meta)
        except DiskFullError as e:
            raise self._disk_full(e) from None
        if periodic and keep > 0:
            for old in self.checkpoints()[:-keep]:
                for p in (old, old.with_suffix(".json"), hash_path(old)):   # the checkpoint first, its hash last
                    p.unlink(missing_ok=True)
        return path

    def _disk_full(self, error: DiskFullError) -> DiskFullError:
        """The error of a save that found no room, naming the run's last good checkpoint."""
        args = dict(folder=self.checkpoints_dir, size=error.message.args["size"],
                    reason=error.message.args["reason"], needed=error.needed, os_errno=error.errno)
        good = self.latest_checkpoint()
        if good is None:
            return DiskFullError("checkpoint.disk_full_first", **args)
        return DiskFullError("checkpoint.disk_full_run", last=good, step=int(read_meta(good).get("step", 0)),
                             **args)

    def load_checkpoint(self, path: Path | None = None, device: str | torch.device = "cpu",
                        fit: Callable[[Checkpoint], None] | None = None) -> Checkpoint:
        """The checkpoint at `path`, or the run's newest good one: `last` if it is whole, else the newest
        periodic one that is. Those passed over (damaged, cut short) are named, with why, in the returned
        Checkpoint's `warnings`; when none is good, RunError says so and what to do.

        fit(checkpoint) puts the weights into their model; an EngineError from it (weights that do not fit:
        a header rewritten in a checkpoint without its .sha256) passes that checkpoint over too."""
        if path is not None:
            ckpt = load_checkpoint(path, device)
            if fit is not None:
                fit(ckpt)
            return ckpt
        passed_over: list[Message] = []
        for candidate in self._newest_first():
            try:
                ckpt = load_checkpoint(candidate, device)
                if fit is not None:
                    fit(ckpt)
            except EngineError as e:
                passed_over.append(e.message)
                continue
            if passed_over:
                warning = Message("checkpoint.used_instead", reasons=tuple(passed_over), name=candidate.name,
                                  step=ckpt.step)
                ckpt = dataclasses.replace(ckpt, warnings=(warning,))
            return ckpt
        if passed_over:
            raise RunError("run.no_good_checkpoint", path=self.path, reasons=tuple(passed_over))
        raise RunError("run.no_checkpoint", path=self.path)

    # -- metrics and samples ---------------------------------------------------------
    def log_metrics(self, records: Iterable[Mapping[str, Any]]) -> None:
        lines = "".join(json.dumps(dict(r), sort_keys=True) + "\n" for r in records)
        if lines:
            with open(self.metrics_path, "a", encoding="utf-8") as f:
                f.write(lines)

    def read_metrics(self) -> list[dict[str, Any]]:
        """Every logged record; a torn last line (crash mid-write) is ignored."""
        if not self.metrics_path.exists():
            return []
        out = []
        for line in self.metrics_path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out

    def truncate_metrics(self, step: int) -> None:
        """Drop records past `step` (logged after the checkpoint a resume starts from) and torn lines."""
        if not self.metrics_path.exists():
            return
        raw = self.metrics_path.read_text(encoding="utf-8", errors="replace")
        records = self.read_metrics()
        kept = [r for r in records if int(r.get("step", 0)) <= step]
        torn = len(records) != len(raw.splitlines()) or (raw and not raw.endswith("\n"))
        if len(kept) != len(records) or torn:
            atomic_write_text(self.metrics_path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in kept))

    def remove_stale_temp_files(self) -> None:
        """Temp files of saves that a kill interrupted (the checkpoint they were replacing is whole)."""
        for tmp in self.checkpoints_dir.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)

    def save_preview(self, frame: Frame, step: int) -> Path:
        path = self.samples_dir / f"step-{step:08d}.png"
        save_png(path, frame_grid(frame.images, frame.extras), {"run": str(self.path), "step": step,
                                                                 "family": self.family_name, "kind": "preview"})
        return path

    # -- a trained model -------------------------------------------------------------
    def load_family(self, checkpoint: Path | None = None, device: str | torch.device = "cpu",
                    ema: bool = True) -> tuple[Family, Checkpoint]:
        """Build the family from config.json and load its weights (the EMA weights by default)."""
        cls = get_family(self.family_name)
        family = cls(cls.Config.from_saved(self.config["family_config"]), self.data_info)

        def fit(ckpt: Checkpoint) -> None:
            prefix = "ema" if ema and any(k.startswith("ema.") for k in ckpt.tensors) else "model"
            load_module_weights(family.modules(), ckpt.group(prefix), ckpt.path)
            family.load_extra_state(ckpt.group("extra"))

        ckpt = self.load_checkpoint(checkpoint, fit=fit)
        family.to(torch.device(device))
        return family, ckpt


def load_module_weights(modules: Mapping[str, torch.nn.Module], tensors: Mapping[str, torch.Tensor],
                        source: Path | str) -> None:
    """Load `<module>.<param>` tensors into modules; a mismatch names the file and what differs."""
    for name, module in modules.items():
        prefix = name + "."
        state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as e:
            first = str(e).splitlines()[1].strip() if len(str(e).splitlines()) > 1 else str(e)
            raise RunError("run.weights_do_not_fit", path=source, name=name, detail=first) from None


def default_run_dir(family: str) -> Path:
    from studio.paths import runs_dir
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = runs_dir() / f"{family}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = runs_dir() / f"{family}-{stamp}-{n}"
    return path

