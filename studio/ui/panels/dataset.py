"""The dataset doctor: load a folder, an image or a demo set in the background and show what was found.

Count, a mosaic spread over the set, labels, captions, the files that were skipped
and why, an estimate of the time per 1000 training steps, and which augmentation
training adds (a Train setting: this step says the default and where to change it).
"""
from __future__ import annotations

import html
import logging
import time

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView, QFrame, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton, QSplitter,
    QStackedWidget, QStyle, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from studio.engine import DEMOS, DatasetError, ImageDataset, Message, check_mirror, load_dataset
from studio.ui.i18n import engine_text, family_text
from studio.ui.widgets.image_grid import ImageGrid
from studio.ui.widgets.styling import make_heading, mix, small_heading, warning_frame
from studio.ui.workers import Job, stop_all

log = logging.getLogger(__name__)

MOSAIC_IMAGES = 64
SKIPPED_ROWS = 1000        # rows the skipped table lists; a folder of 50,000 junk files would take seconds to list
TIME_LEFT_AFTER_S = 2.0    # the time left is shown once the rate has been measured this long
CLOSE_TIMEOUT_S = 15.0     # a load stops within ~50 ms; drawing a demo set may take a moment longer


class DropZone(QFrame):
    """The empty state: a dashed frame that says what to drop; lit up while a drag is over the window."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dropZone")
        self._active = False
        title = QLabel(self.tr("Drop a folder of images here"))
        title.setObjectName("dropZoneTitle")
        make_heading(title)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel(self.tr(
            "…or anywhere on this window, or use File ▸ Open dataset…, or try a demo set above.\n"
            "Sub-folders become labels; a .txt beside an image or a metadata.jsonl gives captions.\n"
            "Broken, unusual or junk files are skipped and listed here with the reason."
        ))
        hint.setObjectName("dropZoneHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addStretch(1)

    def set_active(self, active: bool) -> None:
        self._active = active
        self.update()

    def paintEvent(self, event) -> None:
        palette = self.palette()
        role = QPalette.ColorRole.Highlight if self._active else QPalette.ColorRole.Mid
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(palette.color(role), 2.0, Qt.PenStyle.DashLine))
        base = palette.color(QPalette.ColorRole.Base)
        painter.setBrush(mix(base, palette.color(QPalette.ColorRole.Highlight), 0.12) if self._active else base)
        painter.drawRoundedRect(self.rect().toRectF().adjusted(2, 2, -2, -2), 10, 10)


class DatasetPanel(QWidget):
    """Load a dataset (folder, image, demo) in the background and show what was found: the dataset doctor."""

    load_started = Signal(str)          # the source
    dataset_loaded = Signal(object)     # the ImageDataset
    load_failed = Signal(str)           # a readable line
    load_cancelled = Signal()

    def __init__(self, image_size: int = 32, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("datasetPanel")
        self.image_size = image_size
        self.channels: int | None = None
        self.dataset: ImageDataset | None = None
        self.source: str | None = None
        self.problem: str | None = None     # the last load's readable error line, None after a success
        self._job: Job | None = None
        self._old_jobs: list[Job] = []
        self._rate_start: tuple[float, int] | None = None     # (when, done) of the first count of this load
        # Decode threads; None: the engine's one per core. Unlike training, no core is left to the UI: loading is
        # what the user waits for, and the UI keeps its latency targets (benchmarks/RESULTS.md, Large folders).
        self.load_workers: int | None = None

        heading = QLabel(self.tr("Dataset"))
        heading.setObjectName("datasetHeading")
        make_heading(heading)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 10, 10, 10)
        layout.addWidget(heading)
        layout.addLayout(self._build_sources())
        layout.addLayout(self._build_progress())
        layout.addWidget(self._build_message())
        self._pages = QStackedWidget()
        self._pages.setObjectName("datasetPages")
        self.drop_zone = DropZone()
        self._pages.addWidget(self.drop_zone)
        self._pages.addWidget(self._build_results())
        layout.addWidget(self._pages, 1)

    # --- building ---

    def _build_sources(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.open_button = QPushButton(self.tr("Open folder…"))
        self.open_button.setObjectName("openFolderButton")
        self.open_button.setAccessibleName(self.tr("Open a folder of images"))
        self.open_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon))
        row.addWidget(self.open_button)
        row.addSpacing(12)
        demos = QLabel(self.tr("Demo sets:"))
        demos.setObjectName("demoLabel")
        row.addWidget(demos)
        self.demo_buttons: dict[str, QPushButton] = {}
        for name, description in DEMOS.items():
            button = QPushButton(family_text(name.capitalize()))
            button.setObjectName(f"demoButton_{name}")
            button.setAccessibleName(self.tr("Load the {0} demo set").format(button.text()))
            button.setAccessibleDescription(family_text(description))
            button.setToolTip(family_text(description))
            button.clicked.connect(self._on_demo_button_clicked)
            button.setProperty("demo", name)
            self.demo_buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _build_progress(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("loadProgressLabel")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("loadProgressBar")
        self.progress_bar.setAccessibleName(self.tr("Dataset loading progress"))
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setObjectName("cancelLoadButton")
        self.cancel_button.setAccessibleName(self.tr("Cancel loading the dataset"))
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        row.addWidget(self.progress_label)
        row.addWidget(self.progress_bar, 1)
        row.addWidget(self.cancel_button)
        self._progress_widgets = (self.progress_label, self.progress_bar, self.cancel_button)
        self._set_progress_visible(False)
        return row

    def _build_message(self) -> QFrame:
        self.message_label = QLabel()
        self.message_label.setObjectName("datasetMessage")
        self.message_label.setAccessibleName(self.tr("Dataset problem"))
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.RichText)
        self.message_frame = warning_frame("datasetMessageFrame", self.message_label, self.style())
        return self.message_frame

    def _build_results(self) -> QWidget:
        self.grid_heading = small_heading("", "mosaicHeading")
        self.image_grid = ImageGrid(columns=8)
        self.image_grid.setObjectName("datasetMosaic")
        self.image_grid.setAccessibleName(self.tr("The first images of the dataset"))
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.grid_heading)
        left_layout.addWidget(self.image_grid, 1)

        self.summary_label = self._text_label("datasetSummary", self.tr("Dataset summary"))
        self.labels_label = self._text_label("datasetLabels", self.tr("Labels"))
        self.captions_label = self._text_label("datasetCaptions", self.tr("Captions"))
        self.estimate_label = self._text_label("datasetEstimate", self.tr("Training time estimate"))
        self.estimate_label.setText(self.tr("Measured once a model family is chosen…"))
        self.augmentation_label = self._text_label("datasetAugmentation", self.tr("Augmentation while training"))
        self.augmentation_label.setText(self._augmentation_text())
        self.skipped_heading = small_heading("", "skippedHeading")
        self.skipped_table = QTableWidget(0, 2)
        self.skipped_table.setObjectName("skippedTable")
        self.skipped_table.setAccessibleName(self.tr("Skipped files and why"))
        self.skipped_table.setHorizontalHeaderLabels([self.tr("File"), self.tr("Reason")])
        self.skipped_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.skipped_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.skipped_table.setAlternatingRowColors(True)
        self.skipped_table.verticalHeader().hide()
        header = self.skipped_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        # Long reasons wrap onto more lines instead of being cut, as wide as the Reason column is now.
        self.skipped_table.setWordWrap(True)
        self.skipped_table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.skipped_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(small_heading(self.tr("Summary"), "summaryHeading"))
        right_layout.addWidget(self.summary_label)
        right_layout.addWidget(small_heading(self.tr("Labels"), "labelsHeading"))
        right_layout.addWidget(self.labels_label)
        right_layout.addWidget(small_heading(self.tr("Captions"), "captionsHeading"))
        right_layout.addWidget(self.captions_label)
        right_layout.addWidget(small_heading(self.tr("Training speed"), "estimateHeading"))
        right_layout.addWidget(self.estimate_label)
        right_layout.addWidget(small_heading(self.tr("Augmentation while training"), "augmentationHeading"))
        right_layout.addWidget(self.augmentation_label)
        right_layout.addWidget(self.skipped_heading)
        right_layout.addWidget(self.skipped_table, 10)
        right_layout.addStretch(1)          # takes the room when the table is hidden

        self.results_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.results_splitter.setObjectName("resultsSplitter")
        self.results_splitter.setChildrenCollapsible(False)
        self.results_splitter.addWidget(left)
        self.results_splitter.addWidget(right)
        self.results_splitter.setStretchFactor(0, 3)
        self.results_splitter.setStretchFactor(1, 2)
        return self.results_splitter

    def _text_label(self, name: str, accessible: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setAccessibleName(accessible)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        return label

    # --- loading ---

    @property
    def loading(self) -> bool:
        return self._job is not None

    def load(self, source: str, *, size: int | None = None, channels: int | None = None) -> None:
        """Load `source` (a folder, an image file or "demo:NAME") in the background; a newer load cancels this one.

        size and channels, when given, stay for later loads (None channels: decided by the images)."""
        self._cancel_current()
        self.source = source
        self.image_size = size or self.image_size
        self.channels = channels
        job = Job(load_dataset, source, size=self.image_size, channels=channels, workers=self.load_workers,
                  controls=True, parent=self)
        job.progressed.connect(self._on_job_progressed)
        job.succeeded.connect(self._on_job_succeeded)
        job.failed.connect(self._on_job_failed)
        self._job = job
        self._rate_start = None
        self.message_frame.hide()
        self.progress_label.setText(self.tr("Loading {0}…").format(self.describe(source)))
        self.progress_bar.setRange(0, 0)                    # busy until the first count arrives
        self._set_progress_visible(True)
        self.load_started.emit(source)
        job.start()

    def show_problem(self, message: str) -> None:
        """A readable line in the panel, in place of any dataset."""
        self.dataset = None
        self.problem = message
        heading = self.tr("This dataset cannot be used.")        # outside the f-string, where lupdate sees it
        self.message_label.setText(f"<b>{heading}</b> {html.escape(message, quote=False)}")
        self.message_label.setAccessibleDescription(message)
        self.message_frame.show()
        self._pages.setCurrentWidget(self.drop_zone)

    def stop(self, timeout_s: float = CLOSE_TIMEOUT_S) -> bool:
        """Cancel any load and wait for its thread to finish; True when none is left running."""
        if self._job is not None:
            self._old_jobs.append(self._job)
            self._job = None
        stopped = stop_all(self._old_jobs, timeout_s)
        self._old_jobs = [job for job in self._old_jobs if job.running]
        self._set_progress_visible(False)
        return stopped

    def jobs(self) -> list[Job]:
        return [job for job in (self._job, *self._old_jobs) if job is not None]

    def set_estimate(self, text: str) -> None:
        """The time per 1000 steps line (measured or estimated elsewhere; this panel only shows it)."""
        self.estimate_label.setText(text)

    def describe(self, source: str) -> str:
        if source.startswith("demo:"):
            return self.tr("the {0} demo set").format(family_text(source[len("demo:"):].capitalize()))
        return f"'{source}'"

    def _cancel_current(self) -> None:
        if self._job is not None:
            self._job.cancel()                       # its thread sees this within ~50 ms and ends
            self._old_jobs.append(self._job)
            self._job = None
        for job in [job for job in self._old_jobs if not job.running]:
            self._old_jobs.remove(job)
            job.deleteLater()

    def _set_progress_visible(self, visible: bool) -> None:
        for widget in self._progress_widgets:
            widget.setVisible(visible)

    def _finish_job(self) -> None:
        if self._job is not None:
            self._job.deleteLater()
            self._job = None
        self._set_progress_visible(False)

    @Slot()
    def _on_demo_button_clicked(self) -> None:
        self.load(f"demo:{self.sender().property('demo')}")

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        self._cancel_current()
        self._set_progress_visible(False)
        self.load_cancelled.emit()

    @Slot(int, int)
    def _on_job_progressed(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        text = self.tr("Loading {0}… {1:,} of {2:,}").format(self.describe(self.source or ""), done, total)
        left = self._seconds_left(done, total)
        if left is not None:
            text += self.tr(", about {0} left").format(self._duration(left))
        self.progress_label.setText(text)

    def _seconds_left(self, done: int, total: int) -> float | None:
        """From the rate since the first count, once it has run TIME_LEFT_AFTER_S; None before."""
        now = time.monotonic()
        if self._rate_start is None:
            self._rate_start = (now, done)
            return None
        since, first = self._rate_start
        if now - since < TIME_LEFT_AFTER_S or done <= first or done >= total:
            return None
        return (total - done) * (now - since) / (done - first)

    def _duration(self, seconds: float) -> str:
        if seconds < 60:
            return self.tr("{0} s").format(max(1, round(seconds)))
        return self.tr("{0} min").format(round(seconds / 60))

    @Slot(object)
    def _on_job_succeeded(self, dataset: ImageDataset) -> None:
        self._finish_job()
        self.dataset = dataset
        self.problem = None
        self.message_frame.hide()
        self._show_report(dataset)
        self._pages.setCurrentIndex(1)
        self.dataset_loaded.emit(dataset)

    @Slot(object)
    def _on_job_failed(self, error: Exception) -> None:
        self._finish_job()
        if isinstance(error, DatasetError):
            message = engine_text(error)
        else:
            log.error("loading %s failed", self.source, exc_info=error)
            message = self.tr("Unexpected error while loading {0}: {1}").format(
                self.describe(self.source or ""), f"{type(error).__name__}: {error}")
        self.show_problem(message)
        self.load_failed.emit(message)

    # --- showing ---

    def _show_report(self, dataset: ImageDataset) -> None:
        report = dataset.report
        total = len(dataset)
        shown = min(total, MOSAIC_IMAGES)
        # Evenly spread over the set rather than the first ones: files come sorted by folder,
        # so the first 64 of a labelled set would all be one label.
        index = np.linspace(0, total - 1, shown).round().astype(np.int64)
        self.image_grid.set_images(dataset.images[index])
        self.grid_heading.setText(self.tr("All {0:,} images").format(total) if shown == total
                                  else self.tr("{0:,} of {1:,} images, spread over the set").format(shown, total))
        self.summary_label.setText(self._summary(report))
        if report.labels:
            counts = ", ".join(f"{name} ({report.label_counts.get(name, 0):,})" for name in report.labels[:40])
            more = len(report.labels) - 40
            self.labels_label.setText(counts + (self.tr(", and {0:,} more").format(more) if more > 0 else ""))
        else:
            self.labels_label.setText(self.tr("No labels. Put images in sub-folders, one per class, to get labels."))
        if report.captioned:
            self.captions_label.setText(self.tr("{0:,} of {1:,} images have a caption (from {2}).").format(
                report.captioned, report.loaded, report.caption_source))
        else:
            self.captions_label.setText(self.tr(
                "No captions. A .txt beside an image, or a metadata.jsonl with file_name and text, gives one."))
        self.augmentation_label.setText(self._augmentation_text(
            check_mirror(dataset.images, dataset.labels, dataset.label_names).summary()))
        self._show_skipped(report.skipped)

    def _augmentation_text(self, mirror: Message | None = None) -> str:
        """What training does to the images, and (once a dataset is loaded) what mirror flips would do to it."""
        text = self.tr("None, unless you turn on Mirror images (Train step, Advanced settings; off by default): "
                       "random left-right flips, right for photos of faces, objects, landscapes, wrong for text, "
                       "digits and anything with a handedness.")
        if mirror is None:
            return text
        verdict = engine_text(mirror)
        return text + "\n" + self.tr("{0}.", "a sentence's full stop").format(verdict[:1].upper() + verdict[1:])

    def _summary(self, report) -> str:
        """DatasetReport.summary() in the UI's language: counts, where from, why files were skipped
        (the skip reasons and notes are the engine's own words, shown through engine_text())."""
        images = (self.tr("{0:,} image") if report.loaded == 1 else self.tr("{0:,} images")).format(report.loaded)
        labels = ((self.tr("{0:,} label") if len(report.labels) == 1 else self.tr("{0:,} labels"))
                  .format(len(report.labels)) if report.labels else self.tr("no labels"))
        captions = self.tr("{0:,} captioned").format(report.captioned) if report.captioned else self.tr("no captions")
        colour = self.tr("RGB") if report.channels == 3 else self.tr("grayscale")
        lines = [self.tr("{0} ({1:,} skipped), {2}, {3}, {4}×{4} {5}").format(
                     images, report.found - report.loaded, labels, captions, report.size, colour),
                 self.tr("from {0}").format(report.root)]
        if report.skipped:
            listed = [f"{n:,} {engine_text(why)}" for why, n in report.skip_kinds()]
            lines.append(self.tr("skipped: {0}").format(", ".join(listed[:5]) + (", …" if len(listed) > 5 else "")))
        lines.extend(engine_text(note) for note in report.notes)
        return "\n".join(lines)
    def _show_skipped(self, skipped) -> None:
        self.skipped_heading.setText(self.tr("Skipped files ({0:,})").format(len(skipped)) if skipped
                                     else self.tr("No files were skipped"))
        table = self.skipped_table
        listed = skipped[:SKIPPED_ROWS]
        more = len(skipped) - len(listed)
        table.setRowCount(len(listed) + (1 if more > 0 else 0))
        for row, item in enumerate(listed):
            path = QTableWidgetItem(item.path)
            path.setToolTip(item.path)
            table.setItem(row, 0, path)
            shown = engine_text(item.reason)
            reason = QTableWidgetItem(shown)
            # The whole reason (the column may cut it), then the engine's own words, as the log and CLI say it.
            reason.setToolTip(shown if shown == item.reason else f"{shown}\n{item.reason}")
            table.setItem(row, 1, reason)
        if more > 0:
            table.setItem(len(listed), 0, QTableWidgetItem(self.tr("… and {0:,} more").format(more)))
            table.setItem(len(listed), 1, QTableWidgetItem(self.tr("The summary counts every skipped file by reason.")))
        table.setVisible(bool(skipped))
        # Rows as tall as their wrapped reason; past a few hundred rows measuring them all costs too much on
        # every resize, so long lists keep one line per row (the tooltip has the whole reason).
        table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents if len(skipped) <= 300 else QHeaderView.ResizeMode.Fixed)
        if skipped:
            table.resizeColumnToContents(0)
            table.setColumnWidth(0, min(table.columnWidth(0), 260))
