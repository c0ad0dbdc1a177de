"""Explore's sampling: one Generate at a time in a background Job, its frames drawn live but at most
~10 a second (the first at once, then the latest one when the timer fires), with the frame's extras
(e.g. the predicted clean images) beside the images, a progress bar, and Stop at the next step.

Its texts are translated in the "ExplorePanel" context, as they were when the panel was one class.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QCoreApplication, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from studio.engine import Frame, sample_frames
from studio.ui.i18n import family_text
from studio.ui.widgets.image_grid import ImageGrid
from studio.ui.workers import Job

translate = QCoreApplication.translate
DRAW_INTERVAL_MS = 100           # live frames: at most ~10 drawn a second


class SamplingView(QWidget):
    """The status line, the images being drawn and their extras; runs and throttles a Generate."""

    frame_shown = Signal(object)           # the Frame just drawn
    finished = Signal(object, int)         # (the kept frames' images, each (N, H, W, C) uint8; the seed)
    # (the status texts with a count, "Generating %n image(s)…", are the panel's: lupdate sees plurals in tr() only)
    failed = Signal(object)                # the error a Generate raised
    running_changed = Signal(bool)

    def __init__(self, track: Callable[[Job], Job], parent: QWidget | None = None):
        """track: the panel's list of jobs, which it stops on a model change or close."""
        super().__init__(parent)
        self._track = track
        self._job: Job | None = None
        self._seed = 0
        self._pending: Frame | None = None
        self.drawn_step: tuple[int, int] | None = None      # (step, total) of the frame shown
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DRAW_INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.status = QLabel(translate("ExplorePanel", "Press Generate to draw images."), self)
        self.status.setObjectName("exploreStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("exploreProgress")
        self.progress.setAccessibleName(translate("ExplorePanel", "Sampling progress"))
        self.progress.setMaximumHeight(12)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.samples_view = ImageGrid(self)
        self.samples_view.setObjectName("exploreSamplesView")
        self.samples_view.setAccessibleName(translate("ExplorePanel", "Generated images"))
        self.extras_label = QLabel(self)
        self.extras_label.setObjectName("exploreExtrasLabel")
        self.extras_view = ImageGrid(self)
        self.extras_view.setObjectName("exploreExtrasView")
        self.extras_view.setAccessibleName(translate("ExplorePanel", "Intermediate images"))
        self.extras_view.setToolTip(translate("ExplorePanel", "What the model expects the finished images to look "
                                                              "like at this step"))
        extras = QVBoxLayout()
        extras.addWidget(self.extras_label)
        extras.addWidget(self.extras_view, 1)
        self._views = QHBoxLayout()               # the images and, beside them, the frame's extras (e.g. x0)
        self._views.addWidget(self.samples_view, 1)
        self._views.addLayout(extras, 0)          # stretched only while a frame has extras
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addLayout(self._views, 1)

    # --- a Generate -----------------------------------------------------------------------------------
    @property
    def job(self) -> Job | None:
        """The Generate under way, if any."""
        return self._job

    def start(self, family, count: int, seed: int, prompt: str | None, options: dict, precision=None,
              frames=None) -> Job:
        """Sample in the background (with `frames`, sample_frames or one with its arguments and results, such as
        compare.compare_frames); a Generate still running is cancelled."""
        if self._job is not None:
            self._job.cancel()
        self._seed = seed
        job = Job(frames or sample_frames, family, count, seed, prompt, options, precision, parent=self)
        job.yielded.connect(self._on_job_yielded)
        job.succeeded.connect(self._on_job_succeeded)
        job.failed.connect(self._on_job_failed)
        self._job = self._track(job)
        self._pending, self.drawn_step = None, None
        job.start()
        self.running_changed.emit(True)
        return job

    def stop(self) -> bool:
        """Stop the Generate under way at its next step; False when none runs.

        The frame drawn last (the latest one received, if the throttle held it back) stays shown and
        the status says where sampling stopped.
        """
        job = self._job
        if job is None:
            return False
        job.cancel()                               # the worker stops at the next yield, between steps
        self._job = None
        self._timer.stop()
        if self._pending is not None:
            self._draw_pending()
        self.progress.hide()
        if self.drawn_step is None:
            text = translate("ExplorePanel", "Stopped before the first image was drawn.")
        elif self.drawn_step[1] > 1:
            text = translate("ExplorePanel", "Stopped at step %1 of %2: the images shown are unfinished and were "
                                             "not added to the gallery.") \
                .replace("%1", str(self.drawn_step[0])).replace("%2", str(self.drawn_step[1]))
        else:
            text = translate("ExplorePanel", "Stopped: nothing was added to the gallery.")
        self.status.setText(text)
        self.running_changed.emit(False)
        return True

    def forget(self) -> None:
        """Drop the Generate and the frame waiting to be drawn (their jobs were stopped)."""
        self._timer.stop()
        self._job, self._pending, self.drawn_step = None, None, None
        self.running_changed.emit(False)

    def clear(self) -> None:
        """Nothing drawn: a new model."""
        self.samples_view.clear()
        self.extras_view.clear()
        self._show_extras(False)
        self.progress.hide()

    # --- frames, throttled ----------------------------------------------------------------------------
    @Slot(object)
    def _on_job_yielded(self, frame: Frame) -> None:
        self._pending = frame
        if not self._timer.isActive():              # leading edge now, the latest one when the timer fires
            self._draw_pending()
            self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self._pending is not None:
            self._draw_pending()
            self._timer.start()

    def _draw_pending(self) -> None:
        frame, self._pending = self._pending, None
        self.samples_view.set_images(frame.images)
        self.drawn_step = (frame.step, frame.total)
        extras = {k: v for k, v in frame.extras.items() if len(v)}
        if extras:
            name, images = next(iter(extras.items()))
            self.extras_label.setText(extras_title(name))
            self.extras_view.set_images(images)
        self._show_extras(bool(extras))
        if frame.total > 1:
            self.status.setText(family_text(frame.label) or translate("ExplorePanel", "step %1 of %2")
                                .replace("%1", str(frame.step)).replace("%2", str(frame.total)))
            self.progress.setRange(0, frame.total)
            self.progress.setValue(frame.step)
            self.progress.setVisible(not frame.is_last)
        self.frame_shown.emit(frame)

    def _show_extras(self, shown: bool) -> None:
        self.extras_label.setVisible(shown)
        self.extras_view.setVisible(shown)
        self._views.setStretch(1, 1 if shown else 0)

    @Slot(object)
    def _on_job_succeeded(self, frames: list) -> None:
        self._job = None
        self.running_changed.emit(False)
        self._timer.stop()
        self.progress.hide()
        if self._pending is not None:
            self._draw_pending()
        if frames:
            self.finished.emit(frames, self._seed)

    @Slot(object)
    def _on_job_failed(self, error) -> None:
        self._job = None
        self._timer.stop()
        self.running_changed.emit(False)
        self.failed.emit(error)


def extras_title(name: str) -> str:
    """The heading over a frame's extra images."""
    if name == "x0":
        return translate("ExplorePanel", "Predicted clean images (x0)")
    return translate("ExplorePanel", "Intermediate: %1").replace("%1", family_text(name))
