"""Opening a trained model for the app: a run folder (or one of its checkpoints) gives what the window
shows of it (RunInfo), the model, and its Provenance; an image's provenance gives its run, at the
checkpoint that drew it when that is still there unchanged.

Both load torch and the weights: the app calls them in a worker.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studio.engine.checkpoint import Checkpoint, file_hash
from studio.engine.export import image_checkpoint
from studio.engine.families.base import Family
from studio.engine.provenance import Provenance, as_provenance
from studio.engine.run import Run


@dataclass(frozen=True)
class RunInfo:
    """What the window needs to know about a run folder it opens (plain data, from a worker)."""

    path: str
    family: str
    image_size: int
    channels: int
    step: int
    dataset_source: str | None
    checkpoint: str
    metrics: tuple = ()          # metrics.jsonl records up to the checkpoint: the loss plot shows the history
    warnings: tuple = ()         # Messages: newer checkpoints passed over for this one (damaged, cut short), and why


def model_provenance(run: Run, checkpoint: Checkpoint) -> Provenance:
    """A run's checkpoint as its images name it: family, run, checkpoint file, its hash and step."""
    return Provenance(family=run.family_name, model=run.path.name, run=str(run.path.resolve()),
                      checkpoint=str(Path(checkpoint.path).resolve()), checkpoint_hash=file_hash(checkpoint.path),
                      checkpoint_step=checkpoint.step)


def open_run(path: str | Path) -> tuple[RunInfo, Family, Provenance]:
    """A run folder, or one checkpoint file in it, with its trained model (EMA weights) loaded."""
    path = Path(path)
    run = Run.open(path)
    family, checkpoint = run.load_family(path if path.is_file() else None)
    data = run.data_info
    metrics = tuple(r for r in run.read_metrics() if int(r.get("step", 0)) <= checkpoint.step)
    info = RunInfo(str(run.path), run.family_name, data.image_size, data.channels, checkpoint.step,
                   run.config.get("dataset", {}).get("source"), str(checkpoint.path), metrics, checkpoint.warnings)
    return info, family, model_provenance(run, checkpoint)


def open_image_run(made: Provenance) -> tuple[tuple[RunInfo, Family, Provenance], bool]:
    """The run an image names, opened at the checkpoint that drew it when that is still there unchanged
    (else at its last): (open_run's result, whether it is that checkpoint)."""
    made = as_provenance(made)
    found = image_checkpoint(made)
    return open_run(found or made.run), found is not None
