"""The live preview: the family's preview frames as they arrive, and a timeline to scrub back.

A preview is whatever the family shows while it trains: a VAE's inputs and
reconstructions beside samples, a GAN's fixed-noise grid, diffusion's
denoising (many frames per preview, one per step), rows filling in. The panel
knows none of that: it draws a frame's `extras` (one labelled row each) and its
`images`, and when a preview has several frames it draws the strip of how the
first image formed (noisy → clean), with the frames' "x0" extra beneath when
there is one.

Frames can arrive much faster than is worth drawing (one per denoising step):
the newest is kept and drawn at most every `REDRAW_MS`, so the UI never falls behind.

"Save animation" writes a GIF or APNG (at the frame rate beside it) of the shown
preview's sampling (noisy → clean, or rows filling in; up to `ANIMATION_FRAMES`
frames, kept for the newest `ANIMATED_ENTRIES` previews) or of the whole timeline
(how the samples improved over training), in a background Job.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QLabel, QMenu, QMessageBox, QSizePolicy, QSlider, QSpinBox, QToolButton, QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from studio.engine import frame_grid, save_animation

from studio.ui.i18n import engine_text, family_text
from studio.ui.widgets.image_grid import ImageGrid
from studio.ui.widgets.styling import make_heading, small_heading

translate = QCoreApplication.translate     # translate(context, text): lupdate finds these calls

REDRAW_MS = 100           # at most ~10 repaints a second
MAX_PREVIEWS = 500        # previews kept for the timeline (the oldest are dropped)
MAX_STRIP = 10            # frames shown in a denoising strip
COLUMNS = 8
ANIMATION_FRAMES = 30     # sampling frames kept per preview for "Save animation"
ANIMATED_ENTRIES = 10     # ... for the newest previews only (older ones keep their strip)
ANIMATION_WIDTH = 512     # small grids are enlarged (nearest) to about this width



def section_title(key: str) -> str:
    """A readable title for a frame's extras key ("reconstruction" → "Reconstruction")."""
    known = {"x0": translate("PreviewPanel", "Predicted clean images"), "input": translate("PreviewPanel", "Inputs"),
             "reconstruction": translate("PreviewPanel", "Reconstructions")}
    return known.get(key, key.replace("_", " ").capitalize())


@dataclass
class PreviewEntry:
    """One preview in the timeline: its last frame and, for progressive previews, a few frames on the way."""

    step: int
    frame: object                            # engine Frame (plain numpy data)
    strip: list = field(default_factory=list)
    frames: list = field(default_factory=list)   # up to ANIMATION_FRAMES frames of its sampling, for animation


def write_animation(grids: list, path: Path, fps: int, params: dict) -> list[Path]:
    """Frame grids ((H, W, C) uint8, one size) as a GIF or APNG, enlarged to about ANIMATION_WIDTH."""
    if len({g.shape for g in grids}) != 1:
        raise ValueError(f"{path}: the previews differ in size (the image size changed during the run)")
    scale = max(1, ANIMATION_WIDTH // grids[0].shape[1])
    try:
        return [save_animation(path, grids, {**params, "frames": len(grids), "fps": fps}, fps=fps, scale=scale)]
    except OSError as e:
        raise OSError(f"{path}: {e.strerror or e}") from None


def pick_strip(frames: list, count: int = MAX_STRIP) -> list:
    """At most `count` frames evenly spread from the first to the last."""
    if len(frames) <= count:
        return list(frames)
    index = np.linspace(0, len(frames) - 1, count).round().astype(int)
    return [frames[i] for i in index]


class PreviewPanel(QWidget):
    """Preview frames, live and from earlier in the run. Feed it with `add_frame(step, frame)`."""

    preview_shown = Signal(int)              # the index in the timeline now drawn
    animation_saved = Signal(object)         # the Path of an animation just written

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("previewPanel")
        self._entries: list[PreviewEntry] = []
        self._collecting: list = []          # frames of the preview under way (progressive families)
        self._live: tuple[int, object, list] | None = None      # newest (step, frame, strip) not yet drawn
        self._sections: dict[str, tuple[QLabel, ImageGrid]] = {}
        self.redraws = 0

        heading = make_heading(QLabel(self.tr("Live preview")))
        heading.setObjectName("previewHeading")
        self.caption = QLabel(self.tr("Samples appear here as the model learns. Press Train to start."))
        self.caption.setObjectName("previewCaption")
        self.caption.setWordWrap(True)
        self.caption.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._sections_layout = QVBoxLayout()
        self._sections_layout.setSpacing(4)
        self.strip_heading = small_heading(self.tr("How the first image formed, noisy → clean"), "stripHeading")
        self.strip = ImageGrid(columns=MAX_STRIP)
        self.strip.setObjectName("denoisingStrip")
        self.strip.setAccessibleName(self.tr("Denoising strip"))
        self.strip.setToolTip(self.tr("The first image at evenly spaced sampling steps, from noise to the result"))
        self.strip.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(heading)
        layout.addWidget(self.caption)
        layout.addLayout(self._sections_layout, 1)
        layout.addWidget(self.strip_heading)
        layout.addWidget(self.strip)
        layout.addLayout(self._build_timeline())
        self._show_strip(False)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def _build_timeline(self) -> QHBoxLayout:
        row = QHBoxLayout()
        label = QLabel(self.tr("Timeline"))
        label.setObjectName("timelineLabel")
        self.timeline = QSlider(Qt.Orientation.Horizontal)
        self.timeline.setObjectName("previewTimeline")
        self.timeline.setAccessibleName(self.tr("Preview timeline"))
        self.timeline.setToolTip(self.tr("Drag back to see this run's earlier previews; "
                                         "all the way right follows training live"))
        self.timeline.setRange(0, 0)
        self.timeline.setEnabled(False)
        self.timeline.valueChanged.connect(self._on_timeline_value_changed)
        self.timeline_label = QLabel()
        self.timeline_label.setObjectName("timelinePosition")
        self.timeline_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("0000 / 0000 · step 000,000 · live"))
        row.addWidget(label)
        row.addWidget(self.timeline, 1)
        row.addWidget(self.timeline_label)
        row.addWidget(self._build_animation_button())
        self.fps_box = QSpinBox()
        self.fps_box.setObjectName("previewFpsBox")
        self.fps_box.setRange(1, 50)
        self.fps_box.setValue(10)
        self.fps_box.setSuffix(self.tr(" fps"))
        self.fps_box.setAccessibleName(self.tr("Animation speed"))
        self.fps_box.setToolTip(self.tr("Frames a second of saved animations"))
        row.addWidget(self.fps_box)
        return row

    def _build_animation_button(self) -> QToolButton:
        self.animation_button = QToolButton()
        self.animation_button.setObjectName("previewAnimationButton")
        self.animation_button.setText(self.tr("Save animation"))
        self.animation_button.setAccessibleName(self.tr("Save animation"))
        self.animation_button.setToolTip(self.tr("Save the shown preview's sampling, or the whole timeline, "
                                                 "as an animated GIF or APNG"))
        # a split button: the button saves this preview's sampling, its arrow offers the whole timeline too
        # (an instant-popup button drew its arrow over the text)
        self.animation_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.animation_button)
        self.sampling_animation_action = menu.addAction(self.tr("This preview's sampling…"))
        self.sampling_animation_action.setObjectName("samplingAnimationAction")
        self.sampling_animation_action.triggered.connect(self._on_sampling_animation_triggered)
        self.timeline_animation_action = menu.addAction(self.tr("The whole timeline…"))
        self.timeline_animation_action.setObjectName("timelineAnimationAction")
        self.timeline_animation_action.triggered.connect(self._on_timeline_animation_triggered)
        self.animation_button.clicked.connect(lambda: (self.sampling_animation_action
                                                       if self.sampling_animation_action.isEnabled()
                                                       else self.timeline_animation_action).trigger())
        self.animation_button.setMenu(menu)
        self.animation_button.setEnabled(False)
        self._jobs: list = []
        return self.animation_button

    # --- feeding ----------------------------------------------------------------------------------

    def add_frame(self, step: int, frame) -> None:
        """A preview frame from training. Cheap: drawing happens later, throttled."""
        if frame.total > 1:
            if frame.step == 1 or (self._collecting and self._collecting[-1].step >= frame.step):
                self._collecting = []
            self._collecting.append(frame)
        strip = pick_strip(self._collecting) if frame.total > 1 else []
        if frame.is_last:
            frames = pick_strip(self._collecting, ANIMATION_FRAMES) if frame.total > 1 else []
            self._add_entry(PreviewEntry(int(step), frame, strip, frames))
            self._collecting = []
        if self.following_live:
            self._live = (int(step), frame, strip)
            if not self._timer.isActive():
                self._timer.start()

    def clear(self) -> None:
        """Forget this run's previews (a new run starts)."""
        self._entries.clear()
        self._collecting = []
        self._live = None
        for heading, grid in self._sections.values():
            heading.hide()
            grid.hide()
            grid.clear()
        self.strip.clear()
        self._show_strip(False)
        with signals_blocked(self.timeline):
            self.timeline.setRange(0, 0)
        self.timeline.setEnabled(False)
        self._update_position_label()
        self.caption.setText(self.tr("Samples appear here as the model learns."))

    def entries(self) -> list[PreviewEntry]:
        return list(self._entries)

    @property
    def following_live(self) -> bool:
        """True when the timeline is at its newest end (new previews are drawn as they come)."""
        return self.timeline.value() >= self.timeline.maximum()

    def show_entry(self, index: int) -> None:
        """Draw an earlier preview (the timeline does this when dragged)."""
        self.timeline.setValue(index)

    def _add_entry(self, entry: PreviewEntry) -> None:
        live = self.following_live
        self._entries.append(entry)
        if len(self._entries) > MAX_PREVIEWS:
            del self._entries[0]
        if len(self._entries) > ANIMATED_ENTRIES:
            self._entries[-ANIMATED_ENTRIES - 1].frames = []          # memory: only the newest keep theirs
        with signals_blocked(self.timeline):
            self.timeline.setRange(0, len(self._entries) - 1)
            if live:
                self.timeline.setValue(len(self._entries) - 1)
        self.timeline.setEnabled(len(self._entries) > 1)
        self._update_position_label()

    # --- drawing ----------------------------------------------------------------------------------

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self._live is not None:
            step, frame, strip = self._live
            self._live = None
            self._draw(step, frame, strip, live=True)

    @Slot(int)
    def _on_timeline_value_changed(self, index: int) -> None:
        if 0 <= index < len(self._entries):
            entry = self._entries[index]
            self._draw(entry.step, entry.frame, entry.strip, live=self.following_live)
            self.preview_shown.emit(index)

    def _draw(self, step: int, frame, strip: list, *, live: bool) -> None:
        where = f" · {family_text(frame.label)}" if frame.label else ""
        progress = f" ({frame.step}/{frame.total})" if frame.total > 1 and not frame.is_last else ""
        self.caption.setText(self.tr("Step {0:,}{1}{2}").format(step, where, progress))
        keys = [*frame.extras.keys(), ""]
        for key in keys:
            images = frame.extras[key] if key else frame.images
            if key == "x0" and strip:
                continue                     # shown in the strip instead
            heading, grid = self._section(key)
            heading.show()
            grid.show()
            grid.set_images(np.asarray(images))
            rows = -(-len(images) // COLUMNS)        # stretch by rows: every section gets the same zoom
            self._sections_layout.setStretchFactor(grid, max(1, rows))
        for key, (heading, grid) in self._sections.items():
            if key not in keys or (key == "x0" and strip):
                heading.hide()
                grid.hide()
        self._draw_strip(strip)
        self._update_position_label()
        self.redraws += 1

    def _section(self, key: str) -> tuple[QLabel, ImageGrid]:
        if key not in self._sections:
            heading = small_heading(section_title(key) if key else self.tr("Samples"), f"previewHeading_{key or 'samples'}")
            grid = ImageGrid(columns=COLUMNS)
            grid.setObjectName(f"previewGrid_{key or 'samples'}")
            grid.setAccessibleName(heading.text())
            self._sections_layout.addWidget(heading)
            self._sections_layout.addWidget(grid, 1)
            self._sections[key] = (heading, grid)
        return self._sections[key]

    def _draw_strip(self, strip: list) -> None:
        if len(strip) < 2:
            self._show_strip(False)
            return
        rows = [np.stack([f.images[0] for f in strip])]
        heading = self.tr("How the first image formed, noisy → clean")
        if all("x0" in f.extras for f in strip):
            rows.append(np.stack([f.extras["x0"][0] for f in strip]))
            heading = self.tr("How the first image formed, noisy → clean (below: the model's guess of the "
                              "clean image at each step)")
        self.strip_heading.setText(heading)
        self.strip.set_columns(len(strip))
        self.strip.set_images(np.concatenate(rows))
        self._show_strip(True)

    def _show_strip(self, visible: bool) -> None:
        self.strip_heading.setVisible(visible)
        self.strip.setVisible(visible)

    def _update_position_label(self) -> None:
        count = len(self._entries)
        entry = self.shown_entry()
        self.sampling_animation_action.setEnabled(entry is not None and len(entry.frames or entry.strip) > 1)
        self.timeline_animation_action.setEnabled(count > 1)
        self.animation_button.setEnabled(count > 1 or self.sampling_animation_action.isEnabled())
        if not count:
            self.timeline_label.clear()
            return
        index = min(self.timeline.value(), count - 1)
        live = self.tr(" · live") if self.following_live else ""
        self.timeline_label.setText(self.tr("{0} / {1} · step {2:,}{3}").format(
            index + 1, count, self._entries[index].step, live))

    # --- animations -------------------------------------------------------------------------------
    def shown_entry(self) -> PreviewEntry | None:
        """The preview the timeline points at."""
        if not self._entries:
            return None
        return self._entries[min(self.timeline.value(), len(self._entries) - 1)]

    def sampling_grids(self, entry: PreviewEntry) -> list:
        """One picture per kept sampling frame of a preview: its images with their extras (e.g. x0) above."""
        return [frame_grid(f.images, f.extras) for f in (entry.frames or entry.strip)]

    def timeline_grids(self) -> list:
        """One picture per preview in the timeline: how the samples changed over training."""
        return [frame_grid(e.frame.images, e.frame.extras) for e in self._entries]

    def save_animation(self, kind: str, path: Path):
        """Write the shown preview's sampling (kind "sampling") or the timeline ("timeline") in a Job."""
        from studio.ui.workers import Job
        entry = self.shown_entry()
        if kind == "sampling":
            grids = self.sampling_grids(entry)
            params = {"kind": "preview sampling", "step": entry.step, "label": entry.frame.label}
        else:
            grids = self.timeline_grids()
            params = {"kind": "training timeline", "steps": [e.step for e in self._entries]}
        self._jobs = [job for job in self._jobs if job.running]
        job = Job(write_animation, grids, Path(path), self.fps_box.value(), params, parent=self,
                  must_finish=True)          # the user asked for this file: closing the window waits for it
        job.succeeded.connect(self._on_animation_job_succeeded)
        job.failed.connect(self._on_animation_job_failed)
        self._jobs.append(job)
        return job.start()

    def jobs(self) -> list:
        return [job for job in self._jobs if job.running]

    def ask_save_path(self, suggested: str) -> Path | None:
        """A save dialog (tests patch this); it asks before replacing a file."""
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save animation"), suggested,
                                              self.tr("Animated GIF (*.gif);;Animated PNG (*.png *.apng)"))
        if not path:
            return None
        return Path(path) if Path(path).suffix else Path(path).with_suffix(".gif")

    def show_error(self, title: str, message: str) -> None:
        QMessageBox.warning(self, title, message)

    @Slot()
    def _on_sampling_animation_triggered(self) -> None:
        entry = self.shown_entry()
        if entry is not None and len(entry.frames or entry.strip) > 1:
            path = self.ask_save_path(f"sampling-step-{entry.step}.gif")
            if path is not None:
                self.save_animation("sampling", path)

    @Slot()
    def _on_timeline_animation_triggered(self) -> None:
        if len(self._entries) > 1:
            path = self.ask_save_path("training-timeline.gif")
            if path is not None:
                self.save_animation("timeline", path)

    @Slot(object)
    def _on_animation_job_succeeded(self, paths) -> None:
        self.animation_saved.emit(paths[0])

    @Slot(object)
    def _on_animation_job_failed(self, error) -> None:
        reason = engine_text(error) if isinstance(error, (OSError, ValueError)) \
            else f"{type(error).__name__}: {error}"
        self.show_error(self.tr("Could not save the animation"), reason)
