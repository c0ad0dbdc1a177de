"""The bridge: engine work in a background thread, results as Qt signals on the main thread.

A `Job` wraps one engine call, a plain function or a generator, and runs it in
superqt's worker thread pool. The engine knows nothing of Qt: a function job
is handed `progress(done, total)` and `cancel()` callbacks (the engine's own
convention, see `studio.engine.data.load_dataset`); a generator job is simply
iterated, and each yield is where cancel takes effect. (Pausing is the engine's
own business: the Trainer pauses itself and keeps yielding `Paused`.)

Everything a Job emits is emitted on the main thread, by the Job's own @Slot
methods, and only while the job has not been cancelled. So a view connects to
a Job and never has to ask whether an answer is stale: "a newer request
cancels the older one" is just `old_job.cancel()`.

Closing a window waits for its jobs, and a job it waits on may not have begun: superqt starts each
worker from a 1 ms timer, which never fires while the main thread is blocked in a closeEvent, and
the thread pool may be busy. So wait() never waits for a body that has not begun. A cancelled job
that has not begun never runs. Any other job (one not cancelled, or a `must_finish` one, which
cancel() does not stop: it writes the user's files) runs right there, on the waiting thread, and
reports before wait() returns; its worker, if it ever starts, then does nothing.

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

class Job(QObject):
    """One engine call in a background thread.

    func:        a function, or a generator function (then `yielded` carries each value)
    controls:    pass `progress=` and `cancel=` keyword arguments to func (function jobs)
    must_finish: work that must not be lost, such as writing the user's files: cancel() does not
                 stop it, so stop() and stop_all() let it finish (and report) rather than drop it
    """

    started = Signal()
    progressed = Signal(int, int)      # (done, total), from the engine's progress callback
    yielded = Signal(object)           # each value a generator job yields
    succeeded = Signal(object)         # the return value
    failed = Signal(object)            # the exception
    finished = Signal()                # after succeeded or failed (never after cancel)

    # Raw signals, emitted from the worker thread; queued to the slots below.
    _progress_raw = Signal(int, int)

    def __init__(self, func: Callable[..., Any], *args, controls: bool = False, must_finish: bool = False,
                 parent: QObject | None = None, **kwargs):
        super().__init__(parent)
        self._func, self._args, self._kwargs = func, args, kwargs
        self._controls = controls
        self._must_finish = must_finish
        self._cancel = threading.Event()
        self._done = threading.Event()     # set by whoever ran the body, once it has ended
        self._began = False                # the body has started, on a worker thread or in wait()
        self._here = False                 # ... in wait(): what the worker's own signals say is stale
        self._here_thread = None           # the thread that ran it in wait()
        self._lock = threading.Lock()      # orders "began" against "cancelled before it began"
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
        """Ask the work to stop. From now on this Job emits nothing. A must-finish job is not
        cancelled: it runs to its end and reports as usual."""
        if not self._must_finish:
            self._cancel.set()

    @property
    def must_finish(self) -> bool:
        return self._must_finish

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the work has stopped; True if it has. A job never started counts as stopped.

        A body that has not begun is never waited for (its worker may be queued on a timer that a
        blocked main thread never runs): cancelled, it never runs; otherwise it runs here and now,
        on this thread, whatever the timeout, and its signals are emitted before wait() returns."""
        if not self._started:
            return True
        here = False
        with self._lock:
            if not self._began:
                if self._cancel.is_set():
                    return True            # dropped: if its worker starts, it returns at once
                self._began = self._here = here = True
                self._here_thread = threading.get_ident()
        if here:
            self._run_here()
            return True
        if self._here and self._here_thread == threading.get_ident():
            return self._done.is_set()     # asked from inside its own run here: it is still up the stack
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

    # --- the body: on a worker thread, or in wait() ------------------------------------------------

    def _begin(self) -> bool:
        """On the worker thread, first thing: False when cancelled before it could begin, or when
        wait() has taken the body to run it itself."""
        with self._lock:
            if self._began or self._cancel.is_set():
                return False
            self._began = True
            return True

    def _call(self):
        if not self._begin():              # cancelled while it waited for a free thread, or run by wait()
            return None
        try:
            return self._invoke()
        finally:
            self._done.set()

    def _invoke(self):
        if self._controls:
            return self._func(*self._args, progress=self._report_progress,
                              cancel=self._cancel.is_set, **self._kwargs)
        return self._func(*self._args, **self._kwargs)

    def _iterate(self):
        if not self._begin():
            return None
        try:
            return (yield from self._steps())
        finally:
            self._done.set()

    def _steps(self):
        """The engine's generator, stopped by cancel; returns what it returns."""
        gen = self._func(*self._args, **self._kwargs)
        try:
            while not self._cancel.is_set():
                try:
                    value = next(gen)
                except StopIteration as stop:
                    return stop.value
                yield value
            return None
        finally:
            gen.close()                    # GeneratorExit at the engine's yield: it may save

    def _run_here(self) -> None:
        """wait() runs a body that had not begun, on the waiting thread, with the signals a worker gives."""
        if not self.cancelled:
            self.started.emit()
        try:
            if inspect.isgeneratorfunction(self._func):
                steps = self._steps()
                while True:
                    try:
                        value = next(steps)
                    except StopIteration as stop:
                        result = stop.value
                        break
                    if not self.cancelled:
                        self.yielded.emit(value)
            else:
                result = self._invoke()
        except Exception as error:         # reported like a worker's error, never raised into a closeEvent
            self._done.set()
            if not self.cancelled:
                self.failed.emit(error)
                self.finished.emit()
            return
        self._done.set()
        if not self.cancelled:
            self.succeeded.emit(result)
            self.finished.emit()

    def _report_progress(self, done: int, total: int) -> None:
        if not self._cancel.is_set():
            try:
                self._progress_raw.emit(int(done), int(total))
            except RuntimeError:           # the Job was deleted under us: nobody is listening
                self._cancel.set()

    # --- back on the main thread ------------------------------------------------------------------

    @Slot()
    def _on_worker_started(self) -> None:
        if not self.cancelled and not self._here:
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
        if not self.cancelled and not self._here:
            self.succeeded.emit(value)
            self.finished.emit()

    @Slot(object)
    def _on_worker_errored(self, error) -> None:
        if not self.cancelled and not self._here:
            self.failed.emit(error)
            self.finished.emit()


def stop_all(jobs, timeout_s: float = 10.0) -> bool:
    """Cancel every job, then wait for all of them (one shared deadline); True if all stopped. A
    must-finish job is not cancelled: it is waited for, or run here if it had not begun."""
    jobs = [job for job in jobs if job is not None]
    for job in jobs:
        job.cancel()
    deadline = time.monotonic() + timeout_s
    return all(job.wait(max(0.0, deadline - time.monotonic())) for job in jobs)
