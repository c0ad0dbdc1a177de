"""The main window: model families on the left, the dataset in the middle, drop a folder anywhere.

The two panels live here until the full app splits them into `studio/ui/panels/`.
Engine work (importing the families, which imports torch; loading a dataset)
runs in `Job`s (workers.py); the panels only react to their signals.
"""
from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QColor, QKeySequence, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractButton, QAbstractItemView, QButtonGroup, QFileDialog, QFrame, QHBoxLayout, QHeaderView,
    QLabel, QMainWindow, QMessageBox, QProgressBar, QPushButton, QScrollArea, QSizePolicy, QSplitter,
    QStackedWidget, QStyle, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

import studio
from studio.engine.data import DatasetError, ImageDataset, load_dataset
from studio.engine.demo import DEMOS
from studio.ui.app import ui_settings
from studio.ui.widgets.image_grid import ImageGrid
from studio.ui.workers import Job, stop_all

log = logging.getLogger(__name__)

MOSAIC_IMAGES = 64
_CLOSE_TIMEOUT_S = 15.0     # importing torch cannot be interrupted; a load stops within ~50 ms


def _tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def _capability_words() -> dict[str, tuple[str, str]]:
    """capability -> (chip text, tooltip)."""
    return {
        "latent": (_tr("latent space"), _tr("Has a latent space you can move through with sliders")),
        "encode": (_tr("encodes images"), _tr("Turns your own images into latents and back")),
        "prompt": (_tr("text prompts"), _tr("Generates from a text prompt (needs captions)")),
        "progressive": (_tr("step by step"), _tr("Shows its images forming, step by step")),
        "likelihood": (_tr("likelihood"), _tr("Measures how likely an image is (bits per dimension)")),
    }


# --- families -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyInfo:
    """What the picker shows about a family: plain data, safe to hand across threads."""

    name: str
    title: str
    summary: str
    description: str
    capabilities: tuple[str, ...]


def read_families() -> tuple[FamilyInfo, ...]:
    """Import the family registry (and with it torch) and describe each family. Runs in a worker."""
    from studio.engine.families import all_families

    return tuple(
        FamilyInfo(f.name, f.title, f.summary, f.description, tuple(sorted(f.capabilities)))
        for f in all_families()
    )


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor.fromRgbF(*(x + (y - x) * t for x, y in zip(a.getRgbF()[:3], b.getRgbF()[:3])))


class FamilyCard(QAbstractButton):
    """One family: title, description, capability chips. Checkable; drawn with palette colours only."""

    def __init__(self, info: FamilyInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.info = info
        self.setCheckable(True)
        self.setObjectName(f"familyCard_{info.name}")
        self.setAccessibleName(info.title)
        self.setAccessibleDescription(info.description)
        self.setToolTip(info.summary)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)          # the description wraps: narrower is taller
        self.setSizePolicy(policy)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)

        title = QLabel(info.title)
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        title.setFont(font)
        description = QLabel(info.description)
        description.setWordWrap(True)
        chips = QHBoxLayout()
        chips.setSpacing(4)
        words = _capability_words()
        for capability in info.capabilities:
            text, tip = words.get(capability, (capability, ""))
            chip = QLabel(text)
            chip.setObjectName("capabilityChip")
            chip.setToolTip(tip)
            chip.setStyleSheet(
                "QLabel#capabilityChip { border: 1px solid palette(mid); border-radius: 8px;"
                " padding: 0px 6px; background: palette(button); color: palette(button-text); }"
            )
            chips.addWidget(chip)
        chips.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(description)
        layout.addLayout(chips)
        for child in (title, description):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def paintEvent(self, event) -> None:
        palette = self.palette()
        base, accent = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Highlight)
        if self.isChecked():
            fill, border, width = _mix(base, accent, 0.18), accent, 2.0
        else:
            hovered = self.underMouse() and self.isEnabled()
            fill = _mix(base, accent, 0.06) if hovered else base
            border, width = palette.color(QPalette.ColorRole.Mid), 1.0
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(border, width))
        painter.setBrush(fill)
        inset = width / 2 + 0.5
        painter.drawRoundedRect(self.rect().toRectF().adjusted(inset, inset, -inset, -inset), 6, 6)
        if self.hasFocus():
            painter.setPen(QPen(accent, 1.0, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(self.rect().toRectF().adjusted(4, 4, -4, -4), 4, 4)


class FamilyPanel(QWidget):
    """The model families as selectable cards. The choice is remembered."""

    family_changed = Signal(str)        # the selected family's name

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("familyPanel")
        self._settings = settings
        self._cards: dict[str, FamilyCard] = {}
        self._loaded = False
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.buttonToggled.connect(self._on_card_toggled)

        heading = QLabel(self.tr("Model family"))
        heading.setObjectName("familyHeading")
        _make_heading(heading)
        self._message = QLabel(self.tr("Loading model families…"))
        self._message.setObjectName("familyMessage")
        self._message.setWordWrap(True)
        self._message.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self._list = QWidget()
        self._list.setObjectName("familyList")
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 4, 0)
        self._list_layout.setSpacing(8)
        self._list_layout.addWidget(self._message)
        self._list_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("familyScroll")
        scroll.setAccessibleName(self.tr("Model families"))
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self._list)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 6, 10)
        layout.addWidget(heading)
        layout.addWidget(scroll, 1)
        self.setMinimumWidth(240)

    @property
    def loaded(self) -> bool:
        """True once the registry answered (with families, none, or an error)."""
        return self._loaded

    def cards(self) -> list[FamilyCard]:
        return list(self._cards.values())

    def selected_family(self) -> str | None:
        card = self._group.checkedButton()
        return card.info.name if card else None

    def select_family(self, name: str) -> None:
        if name in self._cards:
            self._cards[name].setChecked(True)

    @Slot(object)
    def set_families(self, families: tuple[FamilyInfo, ...]) -> None:
        for card in self._cards.values():
            self._group.removeButton(card)
            card.deleteLater()
        self._cards.clear()
        self._loaded = True
        if not families:
            self._show_message(self.tr("No model families are installed yet. "
                                       "Each family is a module in studio/engine/families/."))
            return
        self._message.hide()
        for i, info in enumerate(families):
            card = FamilyCard(info)
            self._cards[info.name] = card
            self._group.addButton(card)
            self._list_layout.insertWidget(i, card)
        saved = self._settings.value("family/selected", "", type=str)
        self.select_family(saved if saved in self._cards else families[0].name)

    @Slot(str)
    def show_error(self, message: str) -> None:
        self._loaded = True
        self._show_message(self.tr("The model families could not be loaded: {0}").format(message))

    def _show_message(self, text: str) -> None:
        self._message.setText(text)
        self._message.show()

    @Slot(QAbstractButton, bool)
    def _on_card_toggled(self, card: QAbstractButton, checked: bool) -> None:
        if checked:
            self._settings.setValue("family/selected", card.info.name)
            self.family_changed.emit(card.info.name)


# --- dataset ------------------------------------------------------------------------------------


def _make_heading(label: QLabel) -> None:
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.25)
    label.setFont(font)


def _small_heading(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class DropZone(QFrame):
    """The empty state: a dashed frame that says what to drop; lit up while a drag is over the window."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dropZone")
        self._active = False
        title = QLabel(self.tr("Drop a folder of images here"))
        title.setObjectName("dropZoneTitle")
        _make_heading(title)
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
        painter.setBrush(_mix(base, palette.color(QPalette.ColorRole.Highlight), 0.12) if self._active else base)
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
        self.dataset: ImageDataset | None = None
        self.source: str | None = None
        self.problem: str | None = None     # the last load's readable error line, None after a success
        self._job: Job | None = None
        self._old_jobs: list[Job] = []

        heading = QLabel(self.tr("Dataset"))
        heading.setObjectName("datasetHeading")
        _make_heading(heading)
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
            button = QPushButton(name.capitalize())
            button.setObjectName(f"demoButton_{name}")
            button.setAccessibleName(self.tr("Load the {0} demo set").format(name))
            button.setAccessibleDescription(description)
            button.setToolTip(description)
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
        self.message_frame = QFrame()
        self.message_frame.setObjectName("datasetMessageFrame")
        self.message_frame.setFrameShape(QFrame.Shape.StyledPanel)
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.message_label = QLabel()
        self.message_label.setObjectName("datasetMessage")
        self.message_label.setAccessibleName(self.tr("Dataset problem"))
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.RichText)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout(self.message_frame)
        row.addWidget(icon)
        row.addWidget(self.message_label, 1)
        self.message_frame.hide()
        return self.message_frame

    def _build_results(self) -> QWidget:
        self.grid_heading = _small_heading("", "mosaicHeading")
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
        self.skipped_heading = _small_heading("", "skippedHeading")
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
        self.skipped_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(_small_heading(self.tr("Summary"), "summaryHeading"))
        right_layout.addWidget(self.summary_label)
        right_layout.addWidget(_small_heading(self.tr("Labels"), "labelsHeading"))
        right_layout.addWidget(self.labels_label)
        right_layout.addWidget(_small_heading(self.tr("Captions"), "captionsHeading"))
        right_layout.addWidget(self.captions_label)
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

    def load(self, source: str) -> None:
        """Load `source` (a folder, an image file or "demo:NAME") in the background; a newer load cancels this one."""
        self._cancel_current()
        self.source = source
        job = Job(load_dataset, source, size=self.image_size, controls=True, parent=self)
        job.progressed.connect(self._on_job_progressed)
        job.succeeded.connect(self._on_job_succeeded)
        job.failed.connect(self._on_job_failed)
        self._job = job
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
        self.message_label.setText(f"<b>{self.tr('This dataset cannot be used.')}</b> {html.escape(message, quote=False)}")
        self.message_label.setAccessibleDescription(message)
        self.message_frame.show()
        self._pages.setCurrentWidget(self.drop_zone)

    def stop(self, timeout_s: float = _CLOSE_TIMEOUT_S) -> bool:
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

    def describe(self, source: str) -> str:
        if source.startswith("demo:"):
            return self.tr("the {0} demo set").format(source[len("demo:"):])
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
        self.progress_label.setText(self.tr("Loading {0}… {1:,} of {2:,}").format(
            self.describe(self.source or ""), done, total))

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
            message = str(error)
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
        self.summary_label.setText(report.summary())
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
        self._show_skipped(report.skipped)

    def _show_skipped(self, skipped) -> None:
        self.skipped_heading.setText(self.tr("Skipped files ({0:,})").format(len(skipped)) if skipped
                                     else self.tr("No files were skipped"))
        table = self.skipped_table
        table.setRowCount(len(skipped))
        for row, item in enumerate(skipped):
            path = QTableWidgetItem(item.path)
            path.setToolTip(item.path)
            table.setItem(row, 0, path)
            table.setItem(row, 1, QTableWidgetItem(item.reason))
        table.setVisible(bool(skipped))
        if skipped:
            table.resizeColumnToContents(0)
            table.setColumnWidth(0, min(table.columnWidth(0), 260))


# --- the window ---------------------------------------------------------------------------------


class MainWindow(QMainWindow):
    """genstudio's window: family picker, dataset panel, menus, status bar; drop a folder anywhere."""

    def __init__(self, *, settings: QSettings | None = None, image_size: int = 32,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("genstudio"))
        self.setAcceptDrops(True)
        self._settings = settings or ui_settings()
        self._families_job: Job | None = None

        self.family_panel = FamilyPanel(self._settings)
        self.dataset_panel = DatasetPanel(image_size)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.family_panel)
        self.splitter.addWidget(self.dataset_panel)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([320, 900])
        self.setCentralWidget(self.splitter)

        self._build_menus()
        self.statusBar().setObjectName("statusBar")
        self.statusBar().showMessage(self.tr("Loading model families…"))

        self.dataset_panel.open_button.clicked.connect(self.open_dataset)
        self.dataset_panel.load_started.connect(self._on_dataset_load_started)
        self.dataset_panel.dataset_loaded.connect(self._on_dataset_loaded)
        self.dataset_panel.load_failed.connect(self._on_dataset_load_failed)
        self.dataset_panel.load_cancelled.connect(self._on_dataset_load_cancelled)
        self._restore_state()
        QTimer.singleShot(0, self._start_families_job)      # after the window is up: it imports torch

    # --- menus ---

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        file_menu.setObjectName("fileMenu")
        self.open_action = QAction(self.tr("&Open dataset…"), self)
        self.open_action.setObjectName("openDatasetAction")
        self.open_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Open))
        self.open_action.setStatusTip(self.tr("Load a folder of images as the dataset"))
        self.open_action.triggered.connect(self.open_dataset)
        file_menu.addAction(self.open_action)
        file_menu.addSeparator()
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setObjectName("quitAction")
        self.quit_action.setShortcut(QKeySequence(self.tr("Ctrl+Q")))   # StandardKey.Quit is empty on Windows
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.setObjectName("helpMenu")
        self.about_action = QAction(self.tr("&About genstudio"), self)
        self.about_action.setObjectName("aboutAction")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    @Slot()
    def open_dataset(self) -> None:
        start = self._settings.value("dataset/last_folder", str(Path.home()), type=str)
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open a folder of images"), start)
        if folder:
            self._settings.setValue("dataset/last_folder", folder)
            self.dataset_panel.load(folder)

    @Slot()
    def show_about(self) -> None:
        QMessageBox.about(self, self.tr("About genstudio"), self.tr(
            "<h3>genstudio {0}</h3>"
            "<p>Train image generative models (VAE, GAN, flow, diffusion, autoregressive) "
            "on your own pictures, watch them learn, and explore what they learned.</p>"
            "<p>Every model is written from scratch in plain PyTorch. MIT licence.</p>"
        ).format(studio.__version__))

    # --- drag and drop: anywhere on the window ---

    @staticmethod
    def _local_paths(event) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]

    def dragEnterEvent(self, event) -> None:
        if self._local_paths(event):
            event.acceptProposedAction()
            self.dataset_panel.drop_zone.set_active(True)
            self.statusBar().showMessage(self.tr("Drop to load it as the dataset"))
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._local_paths(event):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self.dataset_panel.drop_zone.set_active(False)
        self.statusBar().clearMessage()

    def dropEvent(self, event) -> None:
        self.dataset_panel.drop_zone.set_active(False)
        paths = self._local_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        if len(paths) == 1:
            self.dataset_panel.load(paths[0])
        else:
            self.dataset_panel.show_problem(self.tr(
                "{0} items were dropped. Drop one folder (or one image); "
                "to use several images, put them in a folder and drop that.").format(len(paths)))
            self.statusBar().clearMessage()

    # --- families ---

    @Slot()
    def _start_families_job(self) -> None:
        job = Job(read_families, parent=self)
        job.succeeded.connect(self._on_families_job_succeeded)
        job.failed.connect(self._on_families_job_failed)
        self._families_job = job
        job.start()

    @Slot(object)
    def _on_families_job_succeeded(self, families) -> None:
        self.family_panel.set_families(families)
        self.statusBar().showMessage(self.tr("Ready"), 3000)

    @Slot(object)
    def _on_families_job_failed(self, error: Exception) -> None:
        log.error("importing the model families failed", exc_info=error)
        self.family_panel.show_error(f"{type(error).__name__}: {error}")
        self.statusBar().showMessage(self.tr("The model families could not be loaded"))

    @property
    def selected_family(self) -> str | None:
        return self.family_panel.selected_family()

    # --- dataset ---

    @Slot(str)
    def _on_dataset_load_started(self, source: str) -> None:
        self.statusBar().showMessage(self.tr("Loading {0}…").format(self.dataset_panel.describe(source)))

    @Slot(object)
    def _on_dataset_loaded(self, dataset: ImageDataset) -> None:
        report = dataset.report
        self.statusBar().showMessage(self.tr("Loaded {0:,} images, {1:,} skipped").format(
            report.loaded, len(report.skipped)))

    @Slot(str)
    def _on_dataset_load_failed(self, message: str) -> None:
        self.statusBar().showMessage(self.tr("The dataset could not be loaded"))

    @Slot()
    def _on_dataset_load_cancelled(self) -> None:
        self.statusBar().showMessage(self.tr("Loading cancelled"), 3000)

    # --- state ---

    def jobs(self) -> list[Job]:
        """Every background job this window started that may still run."""
        return [job for job in (self._families_job, *self.dataset_panel.jobs()) if job is not None]

    def _restore_state(self) -> None:
        geometry = self._settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        state = self._settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        splitter = self._settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def closeEvent(self, event) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.setValue("window/splitter", self.splitter.saveState())
        self._settings.sync()
        # Stop background work before the widgets go: no thread may outlive the window.
        stopped = self.dataset_panel.stop(_CLOSE_TIMEOUT_S)
        if self._families_job is not None:
            stopped = self._families_job.stop(_CLOSE_TIMEOUT_S) and stopped
        if not stopped:
            log.warning("a background job did not stop within %.0f s", _CLOSE_TIMEOUT_S)
        super().closeEvent(event)
