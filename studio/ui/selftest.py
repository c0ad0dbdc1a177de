"""`genstudio --self-test`: open the window, load a demo set, train a few steps through the Train panel, exit 0 or 1.

For checking an installed copy or a PyInstaller bundle (packaging/check_bundle.py) on a machine with or
without a screen (QT_QPA_PLATFORM=offscreen). It runs in a fresh GENSTUDIO_HOME unless one is set, so it
never touches the user's runs or settings. Prints one line per stage, flushed, so a caller can time them:
"window shown", "families loaded", "dataset loaded", "trained", then "self-test passed" or
"self-test failed: <reason>".
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import sys
import tempfile
import time

from PySide6.QtCore import QTimer

POLL_MS = 100
SCREENSHOT_DELAY_MS = 500


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="genstudio --self-test", description=__doc__.splitlines()[0])
    parser.add_argument("--family", default="vae", help="the family to train (default: vae)")
    parser.add_argument("--data", default="demo:shapes", help="the dataset to load (default: demo:shapes)")
    parser.add_argument("--steps", type=int, default=5, help="training steps (default: 5)")
    parser.add_argument("--size", type=int, default=16, help="image size in px (default: 16)")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up after this many seconds")
    parser.add_argument("--screenshot", help="save the window here (PNG) once trained")
    return parser.parse_args(argv)


def say(text: str) -> None:
    print(f"self-test: {text}", flush=True)


def announce_first_paint(window) -> None:
    """Say "window shown" when the window first paints (what a user sees), once."""
    from PySide6.QtCore import QEvent, QObject

    class Filter(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint:
                say("window shown")
                watched.removeEventFilter(self)
            return False

    window.installEventFilter(Filter(window))          # the window owns the filter


class SelfTest:
    """Drives a MainWindow the way a user would: wait for the families, load the data, press Train."""

    def __init__(self, window, args: argparse.Namespace, stop):
        self.window, self.args, self._stop = window, args, stop
        self.code: int | None = None
        self._started = time.monotonic()
        self._stage = "families"
        panel = window.training_panel
        window.dataset_panel.dataset_loaded.connect(self._on_dataset_loaded)
        window.dataset_panel.load_failed.connect(lambda message: self.fail(f"loading {args.data}: {message}"))
        panel.training_finished.connect(self._on_training_finished)
        panel.message_changed.connect(lambda text: say(f"status: {text}"))
        self._timer = QTimer(window)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start(POLL_MS)

    def _on_timer_timeout(self) -> None:
        if time.monotonic() - self._started > self.args.timeout:
            self.fail(f"timed out after {self.args.timeout:.0f} s while waiting for: {self._stage}")
        elif self._stage == "families" and self.window.family_panel.loaded:
            self._on_families_loaded()
        elif self._stage == "training" and self.window.training_panel.state == "idle" \
                and self.window.training_panel.readiness() is None and not self._pressed:
            self._press_train()

    def _on_families_loaded(self) -> None:
        names = [card.info.name for card in self.window.family_panel.cards()]
        if self.args.family not in names:
            return self.fail(f"family {self.args.family!r} not among the loaded families {names}")
        say(f"families loaded: {', '.join(names)}")
        self.window.family_panel.select_family(self.args.family)
        self._stage = "dataset"
        self.window.load_dataset(self.args.data)

    def _on_dataset_loaded(self, dataset) -> None:
        if self._stage != "dataset":
            return
        say(f"dataset loaded: {self.args.data}, {dataset.report.loaded} images of {dataset.images.shape[1]} px")
        panel = self.window.training_panel
        panel.unit_combo.setCurrentIndex(panel.unit_combo.findData("steps"))
        panel.length_spin.setValue(self.args.steps)
        self._stage, self._pressed = "training", False

    def _press_train(self) -> None:
        self._pressed = True
        self.window.train_action.trigger()           # what Ctrl+T or the toolbar's Train does
        if self.window.training_panel.state == "idle":
            self.fail("Train did not start: " + self.window.training_panel.readiness_label.text())

    def _on_training_finished(self, result) -> None:
        say(f"trained: {result.status} at step {result.step}, checkpoint {result.checkpoint}")
        if result.status != "completed" or result.step < self.args.steps or not result.checkpoint:
            return self.fail(f"training ended {result.status} at step {result.step}")
        plot = self.window.training_panel.loss_plot
        try:
            plot.redraw()                                # now, not at the next redraw tick: pyqtgraph draws
        except Exception as error:                       # e.g. a module missing from a bundle
            return self.fail(f"the loss plot could not draw: {type(error).__name__}: {error}")
        if not plot.keys() or plot.redraws == 0:
            return self.fail("the loss plot drew nothing")
        say(f"loss plot drew {', '.join(plot.keys())}")
        if self.args.screenshot:                         # once the charts have painted
            QTimer.singleShot(SCREENSHOT_DELAY_MS, self._save_screenshot_and_pass)
        else:
            self.finish(0, "self-test passed")

    def _save_screenshot_and_pass(self) -> None:
        if not self.window.grab().save(self.args.screenshot):
            return self.fail(f"{self.args.screenshot}: the screenshot could not be written")
        self.finish(0, "self-test passed")

    def fail(self, reason: str) -> None:
        self.finish(1, f"self-test failed: {reason}")

    def finish(self, code: int, line: str) -> None:
        if self.code is not None:
            return
        self.code = code
        self._timer.stop()
        print(line, flush=True)
        self.window.training_panel.stop_and_wait()     # no "stop training?" question on close
        self.window.close()
        self._stop()


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()
    args = parse_args(sys.argv[1:] if argv is None else argv)
    own_home = None if os.environ.get("GENSTUDIO_HOME") else tempfile.mkdtemp(prefix="genstudio-self-test-")
    if own_home:
        os.environ["GENSTUDIO_HOME"] = own_home
    import qasync

    from studio.ui.app import create_app, ui_settings
    from studio.ui.i18n import install as install_translators
    from studio.ui.main_window import MainWindow

    app = create_app([])
    install_translators(ui_settings(), [])              # as the app does: GENSTUDIO_LANG=zh_CN shows Chinese
    window = MainWindow(image_size=args.size, measure_speed=False, open_last_dataset=False)
    announce_first_paint(window)
    window.show()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    test = SelfTest(window, args, loop.stop)
    with loop:
        loop.run_forever()
    if own_home:
        shutil.rmtree(own_home, ignore_errors=True)
    return 1 if test.code is None else test.code


if __name__ == "__main__":
    sys.exit(main())
