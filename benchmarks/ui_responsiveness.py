"""Does the window stay responsive while it trains? Event-loop stalls on the main thread, and time to window.

    .venv/bin/python benchmarks/ui_responsiveness.py [--seconds 30] [--family vae] [--preset quick] [--size 32]

Starts the app in this process (offscreen unless QT_QPA_PLATFORM says otherwise),
loads the shapes demo, presses Train, and while training runs a 10 ms QTimer
on the main thread records how late each tick fires: a late tick is time the
UI could not react. Prints p50 / p99 / max lateness (targets: p99 ≤ 50 ms,
max ≤ 200 ms), how many previews and progress events arrived, and how long
the window took to be visible from process start (target ≤ 2 s).

The same lateness while a large folder loads in the Data step: benchmarks/large_folders.py (its app part).
"""
from __future__ import annotations

import time

PROCESS_START = time.perf_counter()      # as early as we can: before Qt, numpy and the studio load

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TICK_MS = 10


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to measure while training")
    parser.add_argument("--family", default="vae")
    parser.add_argument("--preset", default="quick", choices=("quick", "balanced", "quality"))
    parser.add_argument("--size", type=int, default=32)
    args = parser.parse_args()

    from studio import paths

    os.environ.setdefault("GENSTUDIO_CACHE", str(paths.cache_dir()))     # reuse the demo sets
    home = tempfile.TemporaryDirectory(prefix="genstudio-bench-")
    os.environ["GENSTUDIO_HOME"] = home.name

    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEventLoop, QTimer

    from studio.ui.app import create_app
    from studio.ui.main_window import MainWindow

    create_app([])
    window = MainWindow(measure_speed=False, open_last_dataset=False)
    window.show()
    torch_on_startup_path = "torch" in sys.modules      # the window is built; a worker imports torch after this
    QCoreApplication.processEvents()
    visible_s = time.perf_counter() - PROCESS_START

    def wait_until(predicate, timeout_s=300.0):
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("timed out")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    wait_until(lambda: window.family_panel.loaded)
    window.family_panel.select_family(args.family)
    panel = window.training_panel
    panel.apply_preset(args.preset)
    panel.size_combo.setCurrentIndex(panel.size_combo.findData(args.size))
    panel.unit_combo.setCurrentIndex(panel.unit_combo.findData("minutes"))
    panel.length_spin.setValue(60)
    window.dataset_panel.load("demo:shapes", size=args.size)
    wait_until(lambda: panel.readiness() is None)

    counts = {"progress": 0, "previews": 0}
    panel.progressed.connect(lambda event: counts.__setitem__("progress", counts["progress"] + 1))
    panel.preview_arrived.connect(lambda step, frame: counts.__setitem__("previews", counts["previews"] + 1))
    panel.start_training()
    wait_until(lambda: panel.state == "running")

    lateness: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(TICK_MS)
    state = {"last": None}

    def tick():
        now = clock.nsecsElapsed() / 1e6
        if state["last"] is not None:
            lateness.append(max(0.0, now - state["last"] - TICK_MS))
        state["last"] = now

    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    end = time.monotonic() + args.seconds
    sample_every, next_sample = 5.0, time.monotonic() + 5.0
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        if time.monotonic() > next_sample:        # ask for previews too, as a user would
            panel.sample_now()
            next_sample += sample_every
    timer.stop()
    step = panel.step
    stop_started = time.perf_counter()
    panel.stop_training()
    wait_until(lambda: panel.state == "idle")
    stop_s = time.perf_counter() - stop_started
    window.close()
    home.cleanup()

    print(f"family {args.family}, preset {args.preset}, {args.size}px, {args.seconds:.0f} s of training "
          f"({step} steps, {counts['progress']} progress events, {counts['previews']} preview frames)")
    print(f"window visible {visible_s:.2f} s after process start "
          f"(torch imported before the window showed: {torch_on_startup_path})")
    print(f"main-thread stalls over {len(lateness)} ticks of {TICK_MS} ms: p50 {percentile(lateness, 50):.1f} ms, "
          f"p99 {percentile(lateness, 99):.1f} ms, max {max(lateness, default=float('nan')):.1f} ms "
          f"(targets: p99 <= 50 ms, max <= 200 ms)")
    print(f"stop and save took {stop_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
