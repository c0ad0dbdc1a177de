"""The bridge: engine work in a background thread, results as Qt signals on the main thread.

A `Job` wraps one engine call, a plain function or a generator, and runs it in
Qt's global thread pool. The engine knows nothing of Qt: a function job
is handed `progress(done, total)` and `cancel()` callbacks (the engine's own
convention, see `studio.engine.data.load_dataset`); a generator job is simply
iterated, and each yield is where cancel takes effect. (Pausing is the engine's
own business: the Trainer pauses itself and keeps yielding `Paused`.)

Everything a Job emits is emitted on the main thread, by the Job's own @Slot
methods, and only while the job has not been cancelled. So a view connects to
a Job and never has to ask whether an answer is stale: "a newer request
cancels the older one" is just `old_job.cancel()`.

No Qt object is made, owned or destroyed on a pool thread. The pool runs a plain Python callable that
holds the call and its flags (`_Body`), never the Job; what it has to say goes through one `_Bridge`
QObject that lives on the main thread for the whole session, which hands it to the Job if the Job still
exists. (superqt's workers, used before, own a signals QObject that the pool deleted on its own thread
whenever the Job had gone first: Qt forbids that, and it crashed a test run.)

Closing a window waits for its jobs, and a job it waits on may not have begun: a job started while
the main thread runs an event loop reaches the pool from a 1 ms timer, which never fires while the
main thread is blocked in a closeEvent, and the pool may be busy. So wait() never waits for a body
that has not begun. A cancelled job that has not begun never runs. Any other job (one not cancelled,
or a `must_finish` one, which cancel() does not stop: it writes the user's files) runs right there,
on the waiting thread, and reports before wait() returns; its pool task, if it ever starts, then
does nothing.

    job = Job(load_dataset, "demo:shapes", size=32, controls=True, parent=self)
    job.progressed.connect(self._on_load_progressed)
    job.succeeded.connect(self._on_load_succeeded)
    job.failed.connect(self._on_load_failed)
    job.start()
"""
from __future__ import annotations

import inspect
import itertools
import threading
import time
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, QThreadPool, QTimer, Signal, Slot

STARTED, PROGRESS, YIELDED, RETURNED, ERRORED, ENDED = "started", "progress", "yielded", "returned", "errored", "ended"


class _Body:
    """One Job's call and the flags its pool task and the main thread share: plain Python, no Qt."""

    def __init__(self, func: Callable[..., Any], args: tuple, kwargs: dict, controls: bool, must_finish: bool):
        self.func, self.args, self.kwargs = func, args, kwargs
        self.controls, self.must_finish = controls, must_finish
        self.generator = inspect.isgeneratorfunction(func)
        self.key = 0                       # the Job's key at the bridge, set by start()
        self.cancel = threading.Event()
        self.done = threading.Event()      # set by whoever ran the body, once it has ended
        self.began = False                 # the body has started, on a pool thread or in wait()
        self.here = False                  # ... in wait(): what the pool task would say is stale
        self.here_thread = None            # the thread that ran it in wait()
        self.lock = threading.Lock()       # orders "began" against "cancelled before it began"

    def begin(self) -> bool:
        """On the pool thread, first thing: False when cancelled before it could begin, or when wait()
        has taken the body to run it itself."""
        with self.lock:
            if self.began or self.cancel.is_set():
                return False
            self.began = True
            return True

    def run(self, on_yield: Callable[[Any], None], progress: Callable[[int, int], None]):
        """The call, whole: a generator's values go to on_yield as they come; returns its result, raises its error."""
        if not self.generator:
            if self.controls:
                return self.func(*self.args, progress=progress, cancel=self.cancel.is_set, **self.kwargs)
            return self.func(*self.args, **self.kwargs)
        steps = self.steps()
        while True:
            try:
                value = next(steps)
            except StopIteration as stop:
                return stop.value
            on_yield(value)

    def steps(self):
        """The engine's generator, stopped by cancel; returns what it returns."""
        gen = self.func(*self.args, **self.kwargs)
        try:
            while not self.cancel.is_set():
                try:
                    value = next(gen)
                except StopIteration as stop:
                    return stop.value
                yield value
            return None
        finally:
            gen.close()                    # GeneratorExit at the engine's yield: it may save


class _Bridge(QObject):
    """On the main thread for the whole session: pool tasks emit `raw`, queued to the main thread, and
    `_deliver` hands each event to its Job while that Job still exists."""

    raw = Signal(int, str, object)         # (job key, event, value)

    def __init__(self):
        super().__init__()
        self.jobs: dict[int, Job] = {}     # started Jobs whose pool task has not ended (main thread only)
        self.raw.connect(self._deliver)

    @Slot(int, str, object)
    def _deliver(self, key: int, event: str, value) -> None:
        job = self.jobs.pop(key, None) if event == ENDED else self.jobs.get(key)
        if job is not None and shiboken6.isValid(job):
            job._on_pool_event(event, value)


_bridge: _Bridge | None = None
_keys = itertools.count(1)


def _the_bridge() -> _Bridge:
    """Made on the first Job, which the main thread makes; moved there if an app runs elsewhere."""
    global _bridge
    if _bridge is None or not shiboken6.isValid(_bridge):
        _bridge = _Bridge()
        app = QCoreApplication.instance()
        if app is not None and _bridge.thread() is not app.thread():
            _bridge.moveToThread(app.thread())
    return _bridge


def _run_on_pool(body: _Body, emit: Callable[[int, str, object], None]) -> None:
    """A pool thread's whole task: run the body unless it was cancelled or taken by wait(), then say so."""
    key = body.key
    try:
        if not body.begin():               # cancelled while it waited for a free thread, or run by wait()
            return
        emit(key, STARTED, None)

        def progress(done: int, total: int) -> None:
            if not body.cancel.is_set():
                emit(key, PROGRESS, (int(done), int(total)))

        try:
            result = body.run(lambda value: emit(key, YIELDED, value), progress)
        except Exception as error:         # reported as `failed`, never raised into the pool
            body.done.set()
            emit(key, ERRORED, error)
            return
        body.done.set()
        emit(key, RETURNED, result)
    finally:
        body.done.set()
        emit(key, ENDED, None)


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
    pool_task_ended = Signal()         # its pool task is over, whether it ran the body or not (tests wait on it)

    def __init__(self, func: Callable[..., Any], *args, controls: bool = False, must_finish: bool = False,
                 parent: QObject | None = None, **kwargs):
        super().__init__(parent)
        self._body = _Body(func, args, kwargs, controls, must_finish)
        self._bridge = _the_bridge()
        self._started = False

    # --- control (main thread) --------------------------------------------------------------------

    def start(self) -> "Job":
        if self._started:
            raise RuntimeError("a Job runs once; make a new one")
        self._started = True
        body, bridge = self._body, self._bridge
        body.key = next(_keys)
        bridge.jobs[body.key] = self
        emit = bridge.raw.emit

        def task() -> None:
            _run_on_pool(body, emit)

        pool = QThreadPool.globalInstance()
        if QThread.currentThread().loopLevel():
            QTimer.singleShot(1, lambda: pool.start(task))     # as superqt did: after the caller's slot returns
        else:
            pool.start(task)
        return self

    def cancel(self) -> None:
        """Ask the work to stop. From now on this Job emits nothing. A must-finish job is not
        cancelled: it runs to its end and reports as usual."""
        if not self._body.must_finish:
            self._body.cancel.set()

    @property
    def must_finish(self) -> bool:
        return self._body.must_finish

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the work has stopped; True if it has. A job never started counts as stopped.

        A body that has not begun is never waited for (its pool task may be queued on a timer that a
        blocked main thread never runs): cancelled, it never runs; otherwise it runs here and now,
        on this thread, whatever the timeout, and its signals are emitted before wait() returns."""
        if not self._started:
            return True
        body = self._body
        here = False
        with body.lock:
            if not body.began:
                if body.cancel.is_set():
                    return True            # dropped: if its pool task starts, it returns at once
                body.began = body.here = here = True
                body.here_thread = threading.get_ident()
        if here:
            self._run_here()
            return True
        if body.here and body.here_thread == threading.get_ident():
            return body.done.is_set()      # asked from inside its own run here: it is still up the stack
        return body.done.wait(timeout_s)

    def stop(self, timeout_s: float | None = 10.0) -> bool:
        """cancel() then wait(): what a closing window does with its jobs."""
        self.cancel()
        return self.wait(timeout_s)

    @property
    def cancelled(self) -> bool:
        return self._body.cancel.is_set()

    @property
    def running(self) -> bool:
        """Started, and its body may still run (a cancelled job that never began is not running)."""
        body = self._body
        with body.lock:
            if body.cancel.is_set() and not body.began:
                return False
        return self._started and not body.done.is_set()

    def _run_here(self) -> None:
        """wait() runs a body that had not begun, on the waiting thread, with the signals a pool task gives."""
        body = self._body
        if not self.cancelled:
            self.started.emit()
        try:
            result = body.run(self._yielded_here, self._progress_here)
        except Exception as error:         # reported like a pool task's error, never raised into a closeEvent
            body.done.set()
            if not self.cancelled:
                self.failed.emit(error)
                self.finished.emit()
            return
        body.done.set()
        if not self.cancelled:
            self.succeeded.emit(result)
            self.finished.emit()

    def _yielded_here(self, value) -> None:
        if not self.cancelled:
            self.yielded.emit(value)

    def _progress_here(self, done: int, total: int) -> None:
        if not self.cancelled:
            self.progressed.emit(int(done), int(total))

    # --- back on the main thread, from the bridge -------------------------------------------------

    def _on_pool_event(self, event: str, value) -> None:
        if event == ENDED:
            self.pool_task_ended.emit()
            return
        if self.cancelled or self._body.here:
            return                         # stale: cancelled, or wait() ran the body and reported itself
        if event == STARTED:
            self.started.emit()
        elif event == PROGRESS:
            self.progressed.emit(*value)
        elif event == YIELDED:
            self.yielded.emit(value)
        elif event == RETURNED:
            self.succeeded.emit(value)
            self.finished.emit()
        elif event == ERRORED:
            self.failed.emit(value)
            self.finished.emit()


def stop_all(jobs, timeout_s: float = 10.0) -> bool:
    """Cancel every job, then wait for all of them (one shared deadline); True if all stopped. A
    must-finish job is not cancelled: it is waited for, or run here if it had not begun."""
    jobs = [job for job in jobs if job is not None]
    for job in jobs:
        job.cancel()
    deadline = time.monotonic() + timeout_s
    return all(job.wait(max(0.0, deadline - time.monotonic())) for job in jobs)
