"""Job (studio/ui/workers.py): waiting on a job whose worker thread has not begun never hangs.

A Job reaches the thread pool from a 1 ms QTimer whenever the starting thread runs an event loop, and a
window's closeEvent blocks the main thread, so that timer cannot fire until close returns; the thread
pool may also be full. Before the fix, `job.wait(t)` on such a job (not cancelled) blocked for the
whole t and returned False. Now: a cancelled job that has not begun never runs, any other one runs in
wait() itself and reports before it returns, and its worker, when it starts later, does nothing.

`in_event_loop` reproduces a closeEvent: the code runs inside a nested QEventLoop (so Job.start takes
its timer path) and nothing lets that loop turn until it returns.
"""
from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, QThreadPool, QTimer, Slot

from studio.ui.workers import Job, stop_all

TIMEOUT_MS = 10_000
WAIT_S = 3.0                 # what a test gives wait(); the old code spent all of it, then said False


class Recorder(QObject):
    """Connected to a Job's signals, on the main thread: what it emitted, in order."""

    def __init__(self, job: Job):
        super().__init__()
        self.events: list[tuple] = []
        job.started.connect(self._on_started)
        job.yielded.connect(self._on_yielded)
        job.succeeded.connect(self._on_succeeded)
        job.failed.connect(self._on_failed)
        job.finished.connect(self._on_finished)

    @Slot()
    def _on_started(self):
        self.events.append(("started",))

    @Slot(object)
    def _on_yielded(self, value):
        self.events.append(("yielded", value))

    @Slot(object)
    def _on_succeeded(self, value):
        self.events.append(("succeeded", value))

    @Slot(object)
    def _on_failed(self, error):
        self.events.append(("failed", str(error)))

    @Slot()
    def _on_finished(self):
        self.events.append(("finished",))


@pytest.fixture
def owner():
    """The parent of a test's jobs: it keeps them alive until their workers, late ones too, are done."""
    parent = QObject()
    yield parent
    assert QThreadPool.globalInstance().waitForDone(TIMEOUT_MS)


def in_event_loop(func):
    """Run func the way a closeEvent runs: inside an event loop that cannot turn until func returns."""
    loop, out = QEventLoop(), {}

    def body():
        assert QThread.currentThread().loopLevel() > 0      # so Job.start queues its pool task on a timer
        try:
            out["value"] = func()
        except BaseException as e:                          # re-raised outside the loop
            out["error"] = e
        finally:
            loop.quit()

    QTimer.singleShot(0, body)
    loop.exec()
    if "error" in out:
        raise out["error"]
    return out["value"]


def start(job: Job, qtbot):
    """job.start(), and a blocker for its pool task's end (the task may start later, from its timer)."""
    job.start()
    return qtbot.waitSignal(job.pool_task_ended, timeout=TIMEOUT_MS)


def save(calls: list, name: str) -> str:
    calls.append(name)
    return f"saved {name}"


def frames(calls: list, n: int):
    for i in range(n):
        calls.append(i)
        yield i
    return "done"


def broken(calls: list):
    calls.append("broken")
    raise ValueError("disk full")


def test_a_job_waited_on_before_its_worker_began_runs_at_once_and_only_once(qtbot, owner):
    calls = []

    def close():
        job = Job(save, calls, "a.png", parent=owner)
        recorder = Recorder(job)
        worker_end = start(job, qtbot)
        assert job.running and not calls                     # the timer has not fired: nothing ran
        t0 = time.monotonic()
        stopped = job.wait(WAIT_S)
        return job, recorder, worker_end, stopped, time.monotonic() - t0

    job, recorder, worker_end, stopped, waited = in_event_loop(close)
    assert stopped and waited < WAIT_S / 2                   # the old code: False after WAIT_S
    assert calls == ["a.png"] and not job.running
    assert recorder.events == [("started",), ("succeeded", "saved a.png"), ("finished",)]
    worker_end.wait()                                        # now the timer fires and the worker runs...
    assert calls == ["a.png"]                                # ...doing nothing, and saying nothing
    assert recorder.events == [("started",), ("succeeded", "saved a.png"), ("finished",)]


def test_a_cancelled_job_that_had_not_begun_never_runs(qtbot, owner):
    calls = []

    def close():
        job = Job(frames, calls, 1000, parent=owner)          # a sampling job: drop it
        recorder = Recorder(job)
        worker_end = start(job, qtbot)
        return job, recorder, worker_end, job.stop(WAIT_S)

    job, recorder, worker_end, stopped = in_event_loop(close)
    assert stopped and job.cancelled and not job.running
    worker_end.wait()
    assert calls == [] and recorder.events == []
    assert job.wait(0)


def test_a_must_finish_job_is_not_cancelled_by_stop_all_and_finishes_there(qtbot, owner):
    calls = []

    def close():
        sampling = Job(frames, calls, 1000, parent=owner)
        keeping = Job(save, calls, "kept.png", must_finish=True, parent=owner)
        recorders = Recorder(sampling), Recorder(keeping)
        ends = start(sampling, qtbot), start(keeping, qtbot)
        t0 = time.monotonic()
        return sampling, keeping, recorders, ends, stop_all([sampling, keeping], WAIT_S), time.monotonic() - t0

    sampling, keeping, (sampled, kept), ends, stopped, waited = in_event_loop(close)
    assert stopped and waited < WAIT_S / 2
    assert sampling.cancelled and not keeping.cancelled and keeping.must_finish
    assert calls == ["kept.png"]                             # the save ran; not one sampling step did
    assert kept.events == [("started",), ("succeeded", "saved kept.png"), ("finished",)]
    for end in ends:
        end.wait()
    assert calls == ["kept.png"] and sampled.events == []
    assert kept.events[-1] == ("finished",) and len(kept.events) == 3


def test_a_generator_job_run_by_wait_yields_in_order_and_a_failure_is_reported_not_raised(qtbot, owner):
    calls = []

    def close():
        gen, bad = Job(frames, calls, 3, parent=owner), Job(broken, calls, must_finish=True, parent=owner)
        recorders = Recorder(gen), Recorder(bad)
        ends = start(gen, qtbot), start(bad, qtbot)
        return recorders, ends, gen.wait(WAIT_S), bad.stop(WAIT_S)

    (gen_events, bad_events), ends, gen_stopped, bad_stopped = in_event_loop(close)
    assert gen_stopped and bad_stopped
    assert gen_events.events == [("started",), ("yielded", 0), ("yielded", 1), ("yielded", 2),
                                 ("succeeded", "done"), ("finished",)]
    assert bad_events.events == [("started",), ("failed", "disk full"), ("finished",)]
    for end in ends:
        end.wait()
    assert calls == [0, 1, 2, "broken"]


def test_a_job_queued_behind_a_full_thread_pool_is_run_by_wait_without_an_event_loop(qtbot, owner):
    """No timer here (no event loop turns): the pool is simply busy, so the worker is queued, not running."""
    pool = QThreadPool.globalInstance()
    release, calls = threading.Event(), []
    begun = [threading.Event() for _ in range(pool.maxThreadCount())]

    def hold(i):
        begun[i].set()
        release.wait(TIMEOUT_MS / 1000)

    holders = [Job(hold, i, parent=owner).start() for i in range(len(begun))]
    try:
        assert all(b.wait(TIMEOUT_MS / 1000) for b in begun)   # every pool thread is taken
        job = Job(save, calls, "queued.png", must_finish=True, parent=owner)
        recorder = Recorder(job)
        worker_end = start(job, qtbot)
        assert job.stop(WAIT_S) and calls == ["queued.png"]
        assert recorder.events == [("started",), ("succeeded", "saved queued.png"), ("finished",)]
    finally:
        release.set()
    assert stop_all(holders, WAIT_S)
    worker_end.wait()                                        # the queued worker got a thread at last: no-op
    assert calls == ["queued.png"] and len(recorder.events) == 3


def test_a_job_that_began_is_still_waited_for_and_reports_from_its_thread(qtbot, owner):
    calls, release, begun = [], threading.Event(), threading.Event()

    def slow_save():
        begun.set()
        release.wait(TIMEOUT_MS / 1000)
        calls.append(threading.get_ident())
        return "slow"

    job = Job(slow_save, must_finish=True, parent=owner)
    recorder = Recorder(job)
    worker_end = start(job, qtbot)                           # no event loop: it reaches the pool at once
    assert begun.wait(TIMEOUT_MS / 1000)
    assert not job.wait(0.05)                                # it runs on its thread: not here
    release.set()
    assert job.stop(WAIT_S) and calls and calls[0] != threading.get_ident()
    worker_end.wait()
    qtbot.waitUntil(lambda: ("finished",) in recorder.events, timeout=TIMEOUT_MS)
    assert recorder.events == [("started",), ("succeeded", "slow"), ("finished",)]


def test_a_job_never_started_counts_as_stopped_and_a_job_runs_once(owner):
    job = Job(save, [], "x", parent=owner)
    assert job.wait(0) and job.stop(0) and not job.running
    with pytest.raises(RuntimeError):
        Job(save, [], "y", parent=owner).start().start()


# -- the panels' close paths -----------------------------------------------------------------------
def test_the_gallery_closing_before_its_saves_began_keeps_them_and_deletes_one_removed_meanwhile(qtbot, tmp_path):
    """A save and a delete it leads to, all started inside the closing event loop: stop() does both, at once."""
    import numpy as np

    from studio.ui.panels.gallery import GALLERY_FOLDER, GalleryItem, GalleryPanel

    run = tmp_path / "run"
    run.mkdir()
    gallery = GalleryPanel()
    qtbot.addWidget(gallery)
    made = [GalleryItem(image=np.full((8, 8, 3), seed, np.uint8), provenance={"family": "vae", "run": str(run),
                                                                          "seed": seed}) for seed in (1, 2, 3)]

    def close():
        gallery.add_items(made)                              # one save job, its worker not begun
        gallery.remove_rows([1])                             # removed while its file is being written
        load = gallery.load_run(run)                         # a load: cancelled, never runs
        jobs = list(gallery._jobs)                           # the save and the load
        t0 = time.monotonic()
        stopped, waited = gallery.stop(WAIT_S), time.monotonic() - t0
        jobs += [job for job in gallery._jobs if job not in jobs]   # and the delete the save's end started
        assert len(jobs) == 3
        return load, stopped, waited, qtbot.waitSignals([job.pool_task_ended for job in jobs], timeout=TIMEOUT_MS)

    load, stopped, waited, late_workers = in_event_loop(close)
    assert stopped and waited < WAIT_S / 2 and not gallery.jobs()
    assert load.cancelled and [i.params["seed"] for i in gallery.items()] == [1, 3]
    kept = sorted(p.name for p in (run / GALLERY_FOLDER).iterdir())
    assert kept == sorted(gallery.kept_path(i).name for i in gallery.items())
    assert len(kept) == 2 and all("seed-2" not in name for name in kept)
    late_workers.wait()                                      # their timers fire at last: they do nothing
    assert sorted(p.name for p in (run / GALLERY_FOLDER).iterdir()) == kept


# -- where things die ---------------------------------------------------------------------------
def test_jobs_deleted_as_soon_as_they_stop_running_leave_nothing_behind_and_no_qt_object_dies_on_a_pool_thread(
        qtbot):
    """DatasetPanel's pattern, hundreds of times: each Job is deleted once `running` is False, while its pool
    task may still be reporting. Qt objects must die on the thread they live on (with superqt's workers, a
    worker's signals object was destroyed on the pool thread in ~1 of 6 such jobs, and a test run crashed):
    every Job dies on the main thread, each result is heard at most once, and the bridge forgets them all."""
    from studio.ui.workers import _the_bridge

    main, deaths, heard, live = threading.get_ident(), [], [], []
    count = 300

    def body(i, progress, cancel):
        progress(1, 2)
        return i

    for i in range(count):
        job = Job(body, i, controls=True)
        job.destroyed.connect(lambda *_: deaths.append(threading.get_ident()), Qt.ConnectionType.DirectConnection)
        job.succeeded.connect(heard.append)
        live.append(job.start())
        qtbot.wait(0)
        for old in [j for j in live if not j.running]:
            live.remove(old)
            old.deleteLater()
    qtbot.waitUntil(lambda: not _the_bridge().jobs and not any(j.running for j in live), timeout=TIMEOUT_MS)
    for old in live:
        old.deleteLater()
    qtbot.waitUntil(lambda: len(deaths) == count, timeout=TIMEOUT_MS)
    assert set(deaths) == {main}
    assert heard and len(set(heard)) == len(heard) and set(heard) <= set(range(count))   # each result once
    assert not _the_bridge().jobs                                  # every Job forgotten once its task ended
