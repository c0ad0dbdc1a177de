"""Following a run folder that another process trains (the CLI, torchrun, a server's synced folder).

The engine's `RunReader` (studio/engine/follow.py) says what changed since its last look; a `RunFollower`
asks it every `POLL_MS` in a background Job (one at a time: a slow, shared or synced folder never piles polls up)
and hands each `FollowUpdate` on with `updated`. When a newer checkpoint has been saved it loads it whole,
checked against its hash (`load_newest_model`, in a Job), and hands the model on with `model_loaded`, so
Explore samples from the newest weights while the training goes on. A timer, not a file-system watcher: it
works the same on network and synced folders, where change notifications do not arrive.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from studio.engine import RunReader, load_newest_model
from studio.ui.workers import Job, stop_all

POLL_MS = 1000            # how often the folder is looked at
LOAD_TRIES = 3            # loads of one checkpoint step that came back older (it was being replaced) before giving up


class RunFollower(QObject):
    """Polls one run folder; `updated(FollowUpdate)` when something changed, `model_loaded((family, provenance,
    step))` when a newer checkpoint has been loaded."""

    updated = Signal(object)
    model_loaded = Signal(object)

    def __init__(self, run_dir: str | Path, *, loaded_step: int = 0, interval_ms: int = POLL_MS,
                 parent: QObject | None = None):
        """loaded_step: the step of the model already shown (a checkpoint no newer is not loaded again)."""
        super().__init__(parent)
        self.path = str(run_dir)
        self.reader = RunReader(run_dir)
        self.last = None                      # the newest FollowUpdate
        self.loaded_step = loaded_step
        self._wanted_step = loaded_step       # the newest checkpoint step seen
        self._tries = 0
        self._poll_job: Job | None = None
        self._load_job: Job | None = None
        self._old_jobs: list[Job] = []
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        self._timer.start()
        self._on_timer_timeout()              # the first look at once

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def stop(self) -> None:
        """Stop polling; a poll or load under way is cancelled (jobs() still lists it until it ends)."""
        self._timer.stop()
        for job in (self._poll_job, self._load_job):
            if job is not None:
                job.cancel()
                self._old_jobs.append(job)
        self._poll_job = self._load_job = None

    def jobs(self) -> list[Job]:
        self._old_jobs = [job for job in self._old_jobs if job.running]
        return [job for job in (self._poll_job, self._load_job, *self._old_jobs) if job is not None]

    def wait(self, timeout_s: float) -> bool:
        return stop_all(self.jobs(), timeout_s)

    # --- polling ---

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self._poll_job is not None:        # the last look is still under way
            return
        job = Job(self.reader.poll, parent=self)
        job.succeeded.connect(self._on_poll_job_succeeded)
        job.failed.connect(self._on_poll_job_failed)
        self._poll_job = job
        job.start()

    @Slot(object)
    def _on_poll_job_succeeded(self, update) -> None:
        self._poll_job = _answered(self._poll_job)
        last, self.last = self.last, update
        if update.checkpoint and update.checkpoint_step > self._wanted_step:
            self._wanted_step, self._tries = update.checkpoint_step, 0
        if last is None or update.changed or update.state != last.state or _who(update) != _who(last):
            self.updated.emit(update)
        self._load_if_newer()

    @Slot(object)
    def _on_poll_job_failed(self, error) -> None:
        self._poll_job = _answered(self._poll_job)  # a folder gone a moment (a sync, an unmounted share): next tick

    # --- the newest model ---

    def _load_if_newer(self) -> None:
        if self._load_job is not None or self._wanted_step <= self.loaded_step or self._tries >= LOAD_TRIES:
            return
        self._tries += 1
        job = Job(load_newest_model, self.path, parent=self)
        job.succeeded.connect(self._on_load_job_succeeded)
        job.failed.connect(self._on_load_job_failed)
        self._load_job = job
        job.start()

    @Slot(object)
    def _on_load_job_succeeded(self, result) -> None:
        self._load_job = _answered(self._load_job)
        family, provenance, step = result
        if step > self.loaded_step:
            self.loaded_step = step
            self.model_loaded.emit(result)

    @Slot(object)
    def _on_load_job_failed(self, error) -> None:
        self._load_job = _answered(self._load_job)  # no whole checkpoint yet: a later poll tries again


def _answered(job: Job | None) -> None:
    """A poll a second: each Job is deleted once it has answered, not kept as the follower's child for hours."""
    if job is not None:
        job.deleteLater()


def _who(update) -> tuple | None:
    """The lock owner as far as it matters to the view (its age changes at every poll)."""
    owner = update.owner
    return None if owner is None else (owner.host, owner.pid, owner.token, owner.stale)
