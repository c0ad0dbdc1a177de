"""The bridge: engine work in a background thread, results as Qt signals on the main thread.

A `Job` wraps one engine call, a plain function or a generator, and runs it in
superqt's worker thread pool. The engine knows nothing of Qt: a function job
is handed `progress(done, total)` and `cancel()` callbacks (the engine's own
convention, see `studio.engine.data.load_dataset`); a generator job is simply
iterated, and each yield is where pause and cancel take effect.

Everything a Job emits is emitted on the main thread, by the Job's own @Slot
methods, and only while the job has not been cancelled. So a view connects to
a Job and never has to ask whether an answer is stale: "a newer request
cancels the older one" is just `old_job.cancel()`.

    job = Job(load_dataset, "demo:shapes", size=32, controls=True, parent=self)
    job.progressed.connect(self._on_load_progressed)
    job.succeeded.connect(self._on_load_succeeded)
    job.failed.connect(self._on_load_failed)
    job.start()
"""
from __future__ import annotations

import inspect
import threading
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot
from superqt.utils import create_worker

_PAUSE_POLL_S = 0.05


class Job(QObject):
    """One engine call in a background thread.

    func:     a function, or a generator function (then `yielded` carries each value)
    controls: pass `progress=` and `cancel=` keyword arguments to func (function jobs)
    """

    started = Signal()
    progressed = Signal(int, int)      # (done, total), from the engine's progress callback
    yielded = Signal(object)           # each value a generator job yields
    succeeded = Signal(object)         # the return value
    failed = Signal(object)            # the exception
    finished = Signal()                # after succeeded or failed (never after cancel)

    # Raw signals, emitted from the worker thread; queued to the slots below.
    _progress_raw = Signal(int, int)

    def __init__(self, func: Callable[..., Any], *args, controls: bool = False,
                 parent: QObject | None = None, **kwargs):
        super().__init__(parent)
        self._func, self._args, self._kwargs = func, args, kwargs
        self._controls = controls
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._began = False                # the body has started on a worker thread
        self._lock = threading.Lock()      # orders "began" against "cancelled before it began"
        self._unpaused = threading.Event()
        self._unpaused.set()
        self._started = False
        self._worker = None
        self._progress_raw.connect(self._on_worker_progressed)

    # --- control (main thread) --------------------------------------------------------------------

    def start(self) -> "Job":
        if self._started:
            raise RuntimeError("a Job runs once; make a new one")
        self._started = True
        body = self._iterate if inspect.isgeneratorfunction(self._func) else self._call
        worker = create_worker(body, _start_thread=False, _ignore_errors=True)
        worker.started.connect(self._on_worker_started)
        worker.returned.connect(self._on_worker_returned)
        worker.errored.connect(self._on_worker_errored)
        if hasattr(worker, "yielded"):
            worker.yielded.connect(self._on_worker_yielded)
        self._worker = worker
        worker.start()
        return self

    def cancel(self) -> None:
        """Ask the work to stop. From now on this Job emits nothing."""
        self._cancel.set()

    def pause(self) -> None:
        """Generator jobs: hold after the current yield; the engine keeps its state in memory."""
        self._unpaused.clear()

    def resume(self) -> None:
        self._unpaused.set()

    @property
    def paused(self) -> bool:
        return not self._unpaused.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the work has stopped; True if it has. A job never started counts as stopped,
        and so does a cancelled one whose body has not begun (superqt queues it on a timer: if it
        runs at all, it sees the cancel and returns at once)."""
        if not self._started:
            return True
        with self._lock:
            if self._cancel.is_set() and not self._began:
                return True
        return self._done.wait(timeout_s)

    def stop(self, timeout_s: float | None = 10.0) -> bool:
        """cancel() then wait(): what a closing window does with its jobs."""
        self.cancel()
        return self.wait(timeout_s)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        """Started, and its body may still run (a cancelled job that never began is not running)."""
        with self._lock:
            if self._cancel.is_set() and not self._began:
                return False
        return self._started and not self._done.is_set()

    # --- the worker thread ------------------------------------------------------------------------

    def _begin(self) -> bool:
        """On the worker thread, first thing: False when cancelled before it could begin."""
        with self._lock:
            self._began = not self._cancel.is_set()
            return self._began

    def _call(self):
        try:
            if not self._begin():          # cancelled while it waited for a free thread
                return None
            if self._controls:
                return self._func(*self._args, progress=self._report_progress,
                                  cancel=self._cancel.is_set, **self._kwargs)
            return self._func(*self._args, **self._kwargs)
        finally:
            self._done.set()

    def _iterate(self):
        if not self._begin():
            self._done.set()
            return None
        gen = self._func(*self._args, **self._kwargs)
        try:
            while not self._cancel.is_set():
                if not self._unpaused.wait(_PAUSE_POLL_S):
                    continue               # paused: look at the cancel flag again
                try:
                    value = next(gen)
                except StopIteration as stop:
                    return stop.value
                yield value
            return None
        finally:
            gen.close()                    # GeneratorExit at the engine's yield: it may save
            self._done.set()

    def _report_progress(self, done: int, total: int) -> None:
        if not self._cancel.is_set():
            try:
                self._progress_raw.emit(int(done), int(total))
            except RuntimeError:           # the Job was deleted under us: nobody is listening
                self._cancel.set()

    # --- back on the main thread ------------------------------------------------------------------

    @Slot()
    def _on_worker_started(self) -> None:
        if not self.cancelled:
            self.started.emit()

    @Slot(int, int)
    def _on_worker_progressed(self, done: int, total: int) -> None:
        if not self.cancelled:
            self.progressed.emit(done, total)

    @Slot(object)
    def _on_worker_yielded(self, value) -> None:
        if not self.cancelled:
            self.yielded.emit(value)

    @Slot(object)
    def _on_worker_returned(self, value) -> None:
        if not self.cancelled:
            self.succeeded.emit(value)
            self.finished.emit()

    @Slot(object)
    def _on_worker_errored(self, error) -> None:
        if not self.cancelled:
            self.failed.emit(error)
            self.finished.emit()


def stop_all(jobs, timeout_s: float = 10.0) -> bool:
    """Cancel every job, then wait for all of them (one shared deadline); True if all stopped."""
    jobs = [job for job in jobs if job is not None]
    for job in jobs:
        job.cancel()
    deadline = time.monotonic() + timeout_s
    return all(job.wait(max(0.0, deadline - time.monotonic())) for job in jobs)
