"""The main window: the steps Data → Model → Train → Explore → Gallery → Compare, a training toolbar, drop anywhere.

A rail on the left lists the steps, each with a line of where it stands; the
page on the right is the step's panel. The toolbar's Train / Pause / Stop /
Save now / Sample now (Ctrl+T or Space, Ctrl+., Ctrl+S, Ctrl+R) work from every
page, so a user can pause training from Explore and sample while paused.

The window wires panels together through their signals and does no engine
work itself: importing the families (which imports torch), listing devices,
loading datasets, opening runs, measuring the training speed and training
all run in `Job`s (workers.py). Explore and Gallery import torch themselves,
so they are built once the families job has imported it: the window shows
before torch loads. Opening a run also brings back the images the Gallery kept
in that run's `gallery/` folder.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QMenu, QMessageBox, QSizePolicy,
    QSplitter, QStackedWidget, QStyle, QToolBar, QVBoxLayout, QWidget,
)

import studio
from studio.engine import ImageDataset
from studio.ui.app import ui_settings
from studio.ui.archive_actions import RunArchiveActions, is_exported_run
from studio.ui.i18n import LanguageMenu, engine_text, family_text, plain_icon_text
from studio.ui.panels.compare import ComparePanel
from studio.ui.panels.dataset import CLOSE_TIMEOUT_S, DatasetPanel
from studio.ui.panels.family import FamilyCard, FamilyInfo, FamilyPanel, read_families
from studio.ui.panels.preview import PreviewPanel
from studio.ui.panels.training import IMAGE_SIZES, TrainingPanel, describe_estimate, measure_speed, read_devices
from studio.ui.save_run import SaveRunAs, last_good
from studio.ui.widgets.loss_plot import preload_plotting
from studio.ui.widgets.styling import glyph_icon, make_heading
from studio.ui.workers import Job, stop_all

__all__ = ["MainWindow", "FamilyCard", "FamilyInfo"]

log = logging.getLogger(__name__)

DATA, MODEL, TRAIN, EXPLORE, GALLERY, COMPARE = range(6)
STEPS = 6
SPEED_DELAY_MS = 800          # measure the training speed once the settings have been still this long


_NOT_LOSSES = {"kind", "step", "epoch", "lr", "images_per_sec", "seconds"}     # the other fields of a metrics line


def resume_step(info) -> int:
    """The step Train continues an opened run from: its newest checkpoint's, also when Explore opened its best or
    an older one (read from the checkpoint's header, no tensors)."""
    if Path(info.checkpoint).name == "last.safetensors":
        return info.step
    from studio.engine import CheckpointError, read_meta

    try:
        return int(read_meta(Path(info.path) / "checkpoints" / "last.safetensors").get("step", info.step))
    except (CheckpointError, OSError, ValueError):
        return info.step


def show_history(plot, records, *, clear: bool = True) -> None:
    """Draw a run's logged losses (metrics.jsonl records) on a loss plot (after what it shows: clear=False)."""
    if clear:
        plot.clear()
    for record in records:
        losses = {k: v for k, v in record.items() if k not in _NOT_LOSSES and isinstance(v, (int, float))}
        if record.get("kind") == "quality":
            if isinstance(record.get("kid"), (int, float)):
                adherence = record.get("adherence")
                plot.add_quality(int(record["step"]), float(record["kid"]),
                                 float(adherence) if isinstance(adherence, (int, float)) else None)
        elif record.get("kind") == "val":
            plot.add_validation(int(record["step"]), losses)
        elif record.get("kind") == "train":
            plot.add_training(int(record["step"]), losses)


class Placeholder(QWidget):
    """A page whose panel is not there yet: a title and a line saying why."""

    def __init__(self, title: str, text: str, name: str):
        super().__init__()
        self.setObjectName(name)
        heading = make_heading(QLabel(title))
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(heading)
        layout.addWidget(self.label)
        layout.addStretch(1)


class MainWindow(QMainWindow):
    """genstudio's window: the six steps, menus, a training toolbar and a status bar; drop a folder anywhere."""

    def __init__(self, *, settings: QSettings | None = None, image_size: int | None = None,
                 measure_speed: bool = True, open_last_dataset: bool = True, parent: QWidget | None = None):
        """measure_speed: time a few training steps whenever the dataset or settings change.
        open_last_dataset: load the dataset of the last session (the shapes demo the first time)."""
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("genstudio"))
        self.setAcceptDrops(True)
        self._settings = settings or ui_settings()
        self._measure = measure_speed
        self._open_last = open_last_dataset
        self._families_job: Job | None = None
        self._devices_job: Job | None = None
        self._run_job: Job | None = None
        self._restoring: tuple = ("", None)        # (path, Provenance) of the dropped image whose run is opening
        self._speed_job: Job | None = None
        self._plotting_job: Job | None = None
        self._old_jobs: list[Job] = []
        self.explore_panel = None
        self.gallery_panel = None
        self.follower = None                       # the opened run's RunFollower (studio/ui/run_follower.py)
        self._reopen_followed: str | None = None   # a run followed before its first checkpoint: opened once it has one
        self._followed_state = ""                  # the followed run's state at the last update ("": not seen live)

        self.family_panel = FamilyPanel(self._settings)
        self.training_panel = TrainingPanel(self._settings)
        if image_size is not None and image_size in IMAGE_SIZES:
            self.training_panel.size_combo.setCurrentIndex(IMAGE_SIZES.index(image_size))
        self.dataset_panel = DatasetPanel(image_size or self.training_panel.settings().image_size)
        self.preview_panel = PreviewPanel()
        self._build_pages()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self.statusBar().setObjectName("statusBar")
        self.statusBar().showMessage(self.tr("Loading model families…"))
        self._speed_timer = QTimer(self)
        self._speed_timer.setSingleShot(True)
        self._speed_timer.setInterval(SPEED_DELAY_MS)
        self._speed_timer.timeout.connect(self._on_speed_timer_timeout)
        self._connect_panels()
        for action, button in ((self.stop_action, self.training_panel.stop_button),       # nothing runs yet
                               (self.save_action, self.training_panel.save_button),
                               (self.sample_action, self.training_panel.sample_button)):
            action.setEnabled(button.isEnabled())
        self._refresh_icons()
        self._restore_state()
        self._update_steps()
        QTimer.singleShot(0, self._start_families_job)      # after the window is up: it imports torch

    # --- building ---

    def _build_pages(self) -> None:
        self.steps = QListWidget()
        self.steps.setObjectName("stepsList")
        self.steps.setAccessibleName(self.tr("Steps"))
        self.steps.setToolTip(self.tr("Data → Model → Train → Explore → Gallery → Compare (Ctrl+1 … Ctrl+6)"))
        self.steps.setFrameShape(QListWidget.Shape.NoFrame)
        self.steps.setIconSize(QSize(22, 22))
        self.steps.setSpacing(2)
        self.steps.setFixedWidth(210)
        self.steps.setAutoFillBackground(True)
        self.steps.setBackgroundRole(QPalette.ColorRole.Window)
        for _ in range(STEPS):
            item = QListWidgetItem()
            item.setSizeHint(QSize(200, 52))
            self.steps.addItem(item)

        self.watch_splitter = QSplitter(Qt.Orientation.Vertical)      # what to watch: samples over losses
        self.watch_splitter.setObjectName("watchSplitter")
        self.watch_splitter.setChildrenCollapsible(False)
        self.watch_splitter.addWidget(self.preview_panel)
        self.watch_splitter.addWidget(self.training_panel.loss_plot)
        self.watch_splitter.setStretchFactor(0, 3)
        self.watch_splitter.setStretchFactor(1, 2)
        self.watch_splitter.setSizes([440, 300])
        self.train_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.train_splitter.setObjectName("trainSplitter")
        self.train_splitter.setChildrenCollapsible(False)
        self.train_splitter.addWidget(self.training_panel)
        self.train_splitter.addWidget(self.watch_splitter)
        self.train_splitter.setStretchFactor(0, 0)
        self.train_splitter.setStretchFactor(1, 1)
        self.train_splitter.setSizes([400, 670])

        self.pages = QStackedWidget()
        self.pages.setObjectName("stepPages")
        self.pages.addWidget(self.dataset_panel)
        self.pages.addWidget(self.family_panel)
        self.pages.addWidget(self.train_splitter)
        self.pages.addWidget(Placeholder(self.tr("Explore"), self.tr(
            "Explore opens once the model families are loaded."), "explorePlaceholder"))
        self.pages.addWidget(Placeholder(self.tr("Gallery"), self.tr(
            "Generated images collect here."), "galleryPlaceholder"))
        self.compare_panel = ComparePanel(self._settings)
        self.pages.addWidget(self.compare_panel)
        self.steps.currentRowChanged.connect(self._on_steps_row_changed)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.steps)
        row.addWidget(self.pages, 1)
        self.setCentralWidget(central)

    def _action(self, name: str, text: str, tip: str, slot, keys=(), icon=None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        if keys:
            action.setShortcuts([QKeySequence(k) for k in keys])
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.triggered.connect(slot)
        self.addAction(action)              # shortcuts work from every page
        return action

    def _build_actions(self) -> None:
        pixmap = QStyle.StandardPixmap
        panel = self.training_panel
        self.open_action = self._action("openDatasetAction", self.tr("&Open dataset…"),
                                        self.tr("Load a folder of images as the dataset"), self.open_dataset,
                                        [QKeySequence.StandardKey.Open], pixmap.SP_DirOpenIcon)
        self.open_run_action = self._action("openRunAction", self.tr("Open &run…"),
                                            self.tr("Open a run folder: explore its model or continue training it"),
                                            self.choose_run, [self.tr("Ctrl+Shift+O")])
        self.quit_action = self._action("quitAction", self.tr("&Quit"), self.tr("Quit genstudio"), self.close,
                                        [self.tr("Ctrl+Q")])      # StandardKey.Quit is empty on Windows
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.train_action = self._action("trainAction", self.tr("&Train"), self.tr("Train, pause or resume (Ctrl+T, Space)"),
                                         panel.toggle_training, [self.tr("Ctrl+T")])
        self.stop_action = self._action("stopAction", self.tr("&Stop"), self.tr("Stop training and save (Ctrl+.)"),
                                        panel.stop_training, [self.tr("Ctrl+.")])
        self.save_action = self._action("saveNowAction", self.tr("Save &now"), self.tr("Write a checkpoint now (Ctrl+S)"),
                                        panel.save_now, [QKeySequence.StandardKey.Save], pixmap.SP_DialogSaveButton)
        self.sample_action = self._action("sampleNowAction", self.tr("Sample n&ow"),
                                          self.tr("Show a training preview now (Ctrl+R)"), panel.sample_now,
                                          [self.tr("Ctrl+R")], pixmap.SP_FileDialogContentsView)
        self.about_action = self._action("aboutAction", self.tr("&About genstudio"), self.tr("About genstudio"),
                                         self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.run_archive = RunArchiveActions(self, lambda: self.training_panel.resume_dir)   # File ▸ Export/Import
        self.run_archive.imported.connect(self._on_run_imported)
        self.save_run = SaveRunAs(self, lambda: self.training_panel.resume_dir,        # File ▸ Save run as…
                                  lambda: self.training_panel.state == "idle")
        self.save_run.saved.connect(self._on_run_saved_as)
        self.step_actions = []
        for index, name in enumerate((self.tr("Data"), self.tr("Model"), self.tr("Train"), self.tr("Explore"),
                                      self.tr("Gallery"), self.tr("Compare"))):
            action = self._action(f"showStepAction_{index}", name, self.tr("Show the {0} step").format(name),
                                  self._on_step_action_triggered, [f"Ctrl+{index + 1}"])
            action.setData(index)
            self.step_actions.append(action)

    def _build_menus(self) -> None:
        menus = (
            ("fileMenu", self.tr("&File"), (self.open_action, self.open_run_action, self.run_archive.import_action,
                                            self.run_archive.export_action, None, self.quit_action)),
            ("trainingMenu", self.tr("&Training"), (self.train_action, self.stop_action, None,
                                                    self.save_action, self.sample_action)),
            ("viewMenu", self.tr("&View"), tuple(self.step_actions)),
            ("helpMenu", self.tr("&Help"), (self.about_action,)),
        )
        for name, title, actions in menus:
            menu = self.menuBar().addMenu(title)
            menu.setObjectName(name)
            for action in actions:
                menu.addSeparator() if action is None else menu.addAction(action)
            if name == "fileMenu":               # File ▸ Open recent run, after Open run…
                self.recent_menu = QMenu(self.tr("Open r&ecent run"), menu)
                self.recent_menu.setObjectName("recentRunsMenu")
                self.recent_menu.aboutToShow.connect(self._on_recent_menu_about_to_show)
                menu.insertMenu(menu.actions()[2], self.recent_menu)
            if name == "fileMenu":               # File ▸ Save run as…, after the ways to open one
                menu.insertAction(self.run_archive.import_action, self.save_run.action)
                menu.insertSeparator(self.run_archive.import_action)
                menu.aboutToShow.connect(self.save_run.update_enabled)
            if name == "viewMenu":               # View ▸ Language (studio/ui/i18n.py)
                menu.addSeparator()
                self.language_menu = LanguageMenu(self, self._settings, lambda: self.training_panel.is_training)
                menu.addMenu(self.language_menu)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar(self.tr("Training"))
        toolbar.setObjectName("trainingToolBar")
        toolbar.setAccessibleName(self.tr("Training toolbar"))
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.open_action, None, self.train_action, self.stop_action, self.save_action,
                       self.sample_action):
            if action is None:
                toolbar.addSeparator()
                continue
            toolbar.addAction(action)
            plain_icon_text(action)                   # "训练(&T)" shows as 训练, not 训练(T)
            button = toolbar.widgetForAction(action)
            button.setObjectName(action.objectName().replace("Action", "ToolButton"))
            button.setAccessibleName(action.text().replace("&", ""))
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.toolbar_status = QLabel()
        self.toolbar_status.setObjectName("toolbarStatus")
        self.toolbar_status.setContentsMargins(0, 0, 10, 0)
        toolbar.addWidget(self.toolbar_status)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar

    def _refresh_icons(self) -> None:
        """Icons drawn in the palette's colours: set again when the palette changes (light ↔ dark)."""
        pixmap = QStyle.StandardPixmap
        running = self.training_panel.state in ("running", "pausing")
        self.train_action.setIcon(glyph_icon(self, pixmap.SP_MediaPause if running else pixmap.SP_MediaPlay))
        self.stop_action.setIcon(glyph_icon(self, pixmap.SP_MediaStop))
        icons = (self.style().standardIcon(pixmap.SP_DirOpenIcon), self.style().standardIcon(pixmap.SP_ComputerIcon),
                 glyph_icon(self, pixmap.SP_MediaPlay), self.style().standardIcon(pixmap.SP_FileDialogContentsView),
                 self.style().standardIcon(pixmap.SP_DirIcon), self.style().standardIcon(pixmap.SP_FileDialogDetailedView))
        for row, icon in enumerate(icons):
            self.steps.item(row).setIcon(icon)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "toolbar"):
            self._refresh_icons()

    def _connect_panels(self) -> None:
        data, family, training, preview = self.dataset_panel, self.family_panel, self.training_panel, self.preview_panel
        data.open_button.clicked.connect(self.open_dataset)
        data.load_started.connect(self._on_dataset_load_started)
        data.dataset_loaded.connect(self._on_dataset_loaded)
        data.load_failed.connect(self._on_dataset_load_failed)
        data.load_cancelled.connect(self._on_dataset_load_cancelled)
        family.family_changed.connect(self._on_family_changed)
        training.state_changed.connect(self._on_training_state_changed)
        training.training_started.connect(self._on_training_started)
        training.progressed.connect(self._on_training_progressed)
        training.preview_arrived.connect(preview.add_frame)
        training.model_changed.connect(self._on_training_model_changed)
        training.message_changed.connect(self._on_training_message_changed)
        training.image_size_changed.connect(self._on_training_image_size_changed)
        training.training_failed.connect(self._on_training_failed)
        training.settings_changed.connect(self._schedule_speed)
        self.compare_panel.summary_changed.connect(self._on_compare_summary_changed)
        self.compare_panel.message_changed.connect(self._on_gallery_message_changed)

    # --- menus ---

    @Slot()
    def open_dataset(self) -> None:
        start = self._settings.value("dataset/last_folder", str(Path.home()), type=str)
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open a folder of images"), start)
        if folder:
            self._settings.setValue("dataset/last_folder", folder)
            self.load_dataset(folder)

    def load_dataset(self, source: str, **options) -> None:
        """Load a dataset (folder, image file, "demo:NAME") and show the Data step."""
        self.show_step(DATA)
        self.dataset_panel.load(source, **options)

    @Slot()
    def choose_run(self) -> None:
        from studio.paths import runs_dir

        folder = QFileDialog.getExistingDirectory(self, self.tr("Open a run folder"), str(runs_dir()))
        if folder:
            self.open_run(folder)

    def recent_runs(self) -> list:
        """The newest runs: those under the user data folder and those opened from elsewhere."""
        from studio.paths import runs_dir
        from studio.ui.recent import recent_runs

        return recent_runs(runs_dir(), self._settings.value("runs/opened", [], type=list) or [])

    @Slot()
    def _on_recent_menu_about_to_show(self) -> None:
        self.recent_menu.clear()
        runs = self.recent_runs()
        for run in runs:
            action = self.recent_menu.addAction(self.tr("{0}  ({1})").format(run.path.name, run.family))
            action.setToolTip(str(run.path))
            action.setData(str(run.path))
            action.triggered.connect(self._on_recent_run_triggered)
        if not runs:
            self.recent_menu.addAction(self.tr("No runs yet")).setEnabled(False)

    @Slot()
    def _on_recent_run_triggered(self) -> None:
        self.open_run(str(self.sender().data()))

    @Slot(object)
    def _on_run_imported(self, path) -> None:
        self.open_run(str(path))

    def open_run(self, path: str) -> Job:
        """Open a run folder in the background: its model goes to Explore, and Train continues it."""
        if self._run_job is not None:
            self._run_job.cancel()
            self._old_jobs.append(self._run_job)
        from studio.engine import open_run as open_run_folder    # torch stays out of the window's start-up

        job = Job(open_run_folder, str(path), parent=self)
        job.succeeded.connect(self._on_run_job_succeeded)
        job.failed.connect(self._on_run_job_failed)
        self._run_job = job
        self.statusBar().showMessage(self.tr("Opening run {0}…").format(path))
        job.start()
        return job

    @Slot()
    def show_about(self) -> None:
        QMessageBox.about(self, self.tr("About genstudio"), self.tr(
            "<h3>genstudio {0}</h3>"
            "<p>Train image generative models (VAE, GAN, flow, diffusion, autoregressive) "
            "on your own pictures, watch them learn, and explore what they learned.</p>"
            "<p>Every model is written from scratch in plain PyTorch. MIT licence.</p>"
        ).format(studio.__version__))

    def show_step(self, index: int) -> None:
        self.steps.setCurrentRow(index)

    @Slot()
    def _on_step_action_triggered(self) -> None:
        self.show_step(int(self.sender().data()))

    @Slot(int)
    def _on_steps_row_changed(self, row: int) -> None:
        if row >= 0:
            self.pages.setCurrentIndex(row)

    def _update_steps(self) -> None:
        """Each step's second line: where it stands."""
        data = self.dataset_panel.dataset
        info = self.family_panel.selected_info()
        state = self.training_panel.state
        explore = self.explore_panel.family() if self.explore_panel is not None else None
        gallery = len(self.gallery_panel.items()) if self.gallery_panel is not None else 0
        lines = (
            (self.tr("Data"), self.tr("{0:,} images").format(len(data)) if data is not None
             else self.tr("Loading…") if self.dataset_panel.loading else self.tr("Drop a folder")),
            (self.tr("Model"), family_text(info.title) if info else self.tr("Choose a family")),
            (self.tr("Train"), self._train_line(state)),
            (self.tr("Explore"), self.tr("Model ready") if explore is not None else self.tr("After training")),
            (self.tr("Gallery"), self.tr("{0:,} images").format(gallery) if gallery else self.tr("Empty")),
            (self.tr("Compare"), self.compare_panel.summary()),
        )
        for row, (title, line) in enumerate(lines):
            item = self.steps.item(row)
            item.setText(f"{row + 1}  {title}\n     {line}")
            item.setToolTip(line)
        self.save_run.update_enabled()                   # and what File ▸ Save run as… can save now

    def _train_line(self, state: str) -> str:
        step = self.training_panel.step
        if state == "idle" and self.training_panel.followed_summary:
            return self.training_panel.followed_summary   # a run trained elsewhere
        if state == "idle":
            if not step:
                return self.tr("Not started")
            return {"completed": self.tr("Completed at step {0:,}"), "failed": self.tr("Failed at step {0:,}")}.get(
                self.training_panel.outcome, self.tr("Stopped at step {0:,}")).format(step)
        return {"starting": self.tr("Starting…"), "running": self.tr("Step {0:,}").format(step),
                "pausing": self.tr("Pausing…"), "paused": self.tr("Paused at {0:,}").format(step),
                "stopping": self.tr("Saving…")}.get(state, state)

    def keyPressEvent(self, event) -> None:
        """Space pauses and resumes, as in a media player, when the focused widget has no use for it
        (a focused button, text box or list keeps its Space; keys they ignore arrive here)."""
        if event.key() == Qt.Key.Key_Space and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.training_panel.toggle_training()
            event.accept()
            return
        super().keyPressEvent(event)

    # --- drag and drop: anywhere on the window ---

    @staticmethod
    def _local_paths(event) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]

    @staticmethod
    def _dropped_parameters(paths: list[str]):
        """What made one dropped image file (a Provenance, from genstudio or AUTOMATIC1111), else None."""
        if len(paths) != 1 or not Path(paths[0]).is_file():
            return None
        from studio.engine import ImageMetadataError, read_provenance

        try:
            return read_provenance(paths[0])                   # the file's header only
        except ImageMetadataError:
            return None                                        # not an image we read: the dataset loader says why

    def dragEnterEvent(self, event) -> None:
        paths = self._local_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        if self._dropped_parameters(paths) is not None:
            self.statusBar().showMessage(self.tr("Drop to restore what made this image"))
        else:
            self.dataset_panel.drop_zone.set_active(True)
            self.statusBar().showMessage(self.tr("Drop to load it as the dataset"))

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
        if len(paths) == 1 and is_exported_run(Path(paths[0])):     # a model someone shared: check and import it
            self.run_archive.import_run(Path(paths[0]))
            return
        params = self._dropped_parameters(paths)
        if params is not None:                  # an image that carries parameters: restore it
            self.restore_image(paths[0], params)
            return
        self.show_step(DATA)
        if len(paths) == 1:
            self.dataset_panel.load(paths[0])
        else:
            self.dataset_panel.show_problem(self.tr(
                "{0} items were dropped. Drop one folder (or one image); "
                "to use several images, put them in a folder and drop that.").format(len(paths)))
            self.statusBar().clearMessage()

    def restore_image(self, path: str, params) -> None:
        """Restore what made an image (its Provenance, or the JSON of one): open its run (at its checkpoint
        when that is still here) and set Explore's prompt, seed, sampler, steps, guidance, options and
        latent position, so Generate makes the same image. A missing run, a changed checkpoint or running
        training is said, and the fields are filled all the same; an AUTOMATIC1111 image fills what it can."""
        from studio.engine import open_image_run, provenance

        params = provenance.as_provenance(params)
        explore = self.explore_panel
        if explore is None:
            self.statusBar().showMessage(self.tr("Explore is still loading; drop {0} again in a moment")
                                         .format(Path(path).name), 8000)
            return
        self.show_step(EXPLORE)
        if not explore.made_elsewhere(params):             # AUTOMATIC1111's, or made by the model shown
            explore.restore(params, path)
            return
        run, name = params.run, Path(path).name
        if not run or not (Path(run) / "config.json").is_file():
            explore.restore(params, path, [self.tr(
                "The run that made {0} ({1}) is not on this computer, so it cannot be regenerated here; "
                "its prompt, seed and options are filled in.").format(name, run or params.model or "?")])
            return
        if self.training_panel.state != "idle":
            explore.restore(params, path, [self.tr(
                "Training is running, so {0} (the run that made {1}) was not opened; stop training and drop "
                "the image again to regenerate it.").format(Path(run).name, name)])
            return
        if self._run_job is not None:
            self._run_job.cancel()
            self._old_jobs.append(self._run_job)
        self._restoring = (path, params)
        job = Job(open_image_run, params, parent=self)
        job.succeeded.connect(self._on_image_run_job_succeeded)
        job.failed.connect(self._on_image_run_job_failed)
        self._run_job = job
        self.statusBar().showMessage(self.tr("Opening {0}, the run that made {1}…").format(Path(run).name, name))
        job.start()

    @Slot(object)
    def _on_image_run_job_succeeded(self, result) -> None:
        opened, exact = result
        self._on_run_job_succeeded(opened)
        path, params = self._restoring
        model = opened[2]
        warnings = []
        if not exact:
            warnings.append(self.tr(
                "The checkpoint that made this image is no longer in its run (the image: {0} at step {1}; the run "
                "now: {2} at step {3}), so Generate will make a different image.").format(
                params.checkpoint_hash, params.checkpoint_step, model.checkpoint_hash, model.checkpoint_step))
        self.explore_panel.restore(params, path, warnings)

    @Slot(object)
    def _on_image_run_job_failed(self, error: Exception) -> None:
        self._run_job = None
        path, params = self._restoring
        reason = engine_text(error) if type(error).__name__ in ("RunError", "CheckpointError") \
            else f"{type(error).__name__}: {error}"
        self.explore_panel.restore(params, path, [self.tr("The run that made {0} could not be opened: {1}")
                                                  .format(Path(path).name, reason)])

    @Slot(str)
    def _on_explore_restored(self, text: str) -> None:
        self.statusBar().showMessage(text.replace("\n", " "), 15000)

    # --- families, devices, Explore and Gallery ---

    @Slot()
    def _start_families_job(self) -> None:
        job = Job(read_families, parent=self)
        job.succeeded.connect(self._on_families_job_succeeded)
        job.failed.connect(self._on_families_job_failed)
        self._families_job = job
        job.start()
        if self._open_last and self.dataset_panel.source is None:      # a newcomer can press Train at once
            self.dataset_panel.load(self._settings.value("dataset/last_source", "demo:shapes", type=str))

    @Slot(object)
    def _on_families_job_succeeded(self, families) -> None:
        self._install_explore_and_gallery()
        self.family_panel.set_families(families)
        self.compare_panel.set_families(families)
        self.training_panel.set_family(self.family_panel.selected_info())
        self.statusBar().showMessage(self.tr("Ready"), 3000)
        job = Job(read_devices, parent=self)
        job.succeeded.connect(self._on_devices_job_succeeded)
        self._devices_job = job
        job.start()
        self._plotting_job = Job(preload_plotting, parent=self).start()
        self._update_steps()

    @Slot(object)
    def _on_families_job_failed(self, error: Exception) -> None:
        log.error("importing the model families failed", exc_info=error)
        self.family_panel.show_error(f"{type(error).__name__}: {error}")
        self.statusBar().showMessage(self.tr("The model families could not be loaded"))

    @Slot(object)
    def _on_devices_job_succeeded(self, devices) -> None:
        self.training_panel.set_devices(devices)

    def _install_explore_and_gallery(self) -> None:
        """Build Explore and Gallery (they import torch, which the families job has just loaded)."""
        if self.explore_panel is not None:
            return
        try:
            from studio.ui.panels.explore import ExplorePanel
            from studio.ui.panels.gallery import GalleryPanel
        except Exception as error:             # missing or broken: the rest of the studio still trains
            log.warning("Explore and Gallery are not available: %s", error)
            return
        self.explore_panel, self.gallery_panel = ExplorePanel(), GalleryPanel()
        for index, panel in ((EXPLORE, self.explore_panel), (GALLERY, self.gallery_panel)):
            old = self.pages.widget(index)
            self.pages.insertWidget(index, panel)
            self.pages.removeWidget(old)
            old.deleteLater()
        self.pages.setCurrentIndex(self.steps.currentRow())
        self.explore_panel.images_generated.connect(self._on_explore_images_generated)
        self.explore_panel.restorer = self.restore_image        # an image from another run, dropped on Explore
        self.explore_panel.restored.connect(self._on_explore_restored)
        self.explore_panel.checkpoint_requested.connect(self.open_run)     # a run's best weights, or its newest
        self.gallery_panel.items_changed.connect(self._on_gallery_items_changed)
        self.gallery_panel.message_changed.connect(self._on_gallery_message_changed)
        # Ctrl+G and Ctrl+E from every page, and they bring their page forward.
        for action, index in ((getattr(self.explore_panel, "generate_action", None), EXPLORE),
                              (getattr(self.gallery_panel, "export_action", None), GALLERY)):
            if action is not None:
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                action.triggered.connect(self._on_panel_action_triggered)
                action.setData(index)

    @Slot()
    def _on_panel_action_triggered(self) -> None:
        self.show_step(int(self.sender().data()))

    @Slot(object)
    def _on_explore_images_generated(self, items) -> None:
        self.gallery_panel.add_items(items)

    @Slot(int)
    def _on_gallery_items_changed(self, _count: int) -> None:
        self._update_steps()

    @Slot(str)
    def _on_compare_summary_changed(self, _text: str) -> None:
        self._update_steps()

    @Slot(str)
    def _on_gallery_message_changed(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    @property
    def selected_family(self) -> str | None:
        return self.family_panel.selected_family()

    @Slot(str)
    def _on_family_changed(self, name: str) -> None:
        info = self.family_panel.selected_info()
        if self.training_panel.resume_dir and not self.training_panel.is_training:
            self.training_panel.continue_run(None)          # a run belongs to one family: a new one starts
        self.training_panel.set_family(info)
        self._update_steps()
        self._schedule_speed()

    # --- dataset ---

    @Slot(str)
    def _on_dataset_load_started(self, source: str) -> None:
        self.statusBar().showMessage(self.tr("Loading {0}…").format(self.dataset_panel.describe(source)))
        self.training_panel.set_dataset(None)
        self._update_steps()

    @Slot(object)
    def _on_dataset_loaded(self, dataset: ImageDataset) -> None:
        report = dataset.report
        self.statusBar().showMessage(self.tr("Loaded {0:,} images, {1:,} skipped").format(
            report.loaded, len(report.skipped)))
        self._settings.setValue("dataset/last_source", self.dataset_panel.source)
        self.training_panel.set_dataset(dataset)
        self.compare_panel.set_dataset(dataset)
        self._update_steps()
        self._schedule_speed()

    @Slot(str)
    def _on_dataset_load_failed(self, message: str) -> None:
        self.statusBar().showMessage(self.tr("The dataset could not be loaded"))
        self._update_steps()

    @Slot()
    def _on_dataset_load_cancelled(self) -> None:
        self.statusBar().showMessage(self.tr("Loading cancelled"), 3000)
        self.training_panel.set_dataset(self.dataset_panel.dataset)
        self._update_steps()

    @Slot(int)
    def _on_training_image_size_changed(self, size: int) -> None:
        panel = self.dataset_panel
        if panel.source and (panel.dataset is None or panel.dataset.images.shape[1] != size):
            panel.load(panel.source, size=size, channels=panel.channels)
        else:
            panel.image_size = size

    # --- training ---

    @Slot(str)
    def _on_training_state_changed(self, state: str) -> None:
        panel = self.training_panel
        running = state in ("running", "pausing")
        self.train_action.setText(self.tr("&Pause") if running else self.tr("&Resume") if state == "paused"
                                  else self.tr("&Train"))
        self._refresh_icons()
        self.train_action.setEnabled(panel.train_button.isEnabled())
        self.stop_action.setEnabled(panel.stop_button.isEnabled())
        self.save_action.setEnabled(panel.save_button.isEnabled())
        self.sample_action.setEnabled(panel.sample_button.isEnabled())
        for button, action in ((self.toolbar.widgetForAction(self.train_action), self.train_action),):
            button.setAccessibleName(action.text().replace("&", ""))
        if state == "starting":
            self.save_run.set_aside()                       # a model training could not save is let go
            self.stop_following()                           # this window trains now
            self._cancel_speed_job()
            self.show_step(TRAIN)
        if state == "idle":
            self.toolbar_status.setText(self._train_line(state))
            self.compare_panel.refresh_runs()                   # a run just stopped or completed
        self.compare_panel.set_training_elsewhere(state != "idle")
        self._update_steps()

    @Slot(object)
    def _on_training_started(self, event) -> None:
        if not event.resumed:
            self.preview_panel.clear()

    @Slot(object)
    def _on_training_progressed(self, event) -> None:
        total = f" / {event.total_steps:,}" if event.total_steps else ""
        self.toolbar_status.setText(self.tr("step {0:,}{1} · {2:.0f}% · {3:,.0f} img/s").format(
            event.step, total, event.fraction * 100, event.images_per_sec))
        self._update_steps()

    @Slot(object, object)
    def _on_training_model_changed(self, family, provenance) -> None:
        if self.explore_panel is not None:
            self.explore_panel.set_model(family, provenance)
        self._update_steps()

    @Slot(str)
    def _on_training_message_changed(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    @Slot(object)
    def _on_run_job_succeeded(self, result) -> None:
        info, family, provenance = result
        self._run_job = None
        from studio.ui.recent import remember_run

        opened = self._settings.value("runs/opened", [], type=list) or []
        self._settings.setValue("runs/opened", remember_run(opened, info.path))
        self.family_panel.select_family(info.family)
        self.training_panel.set_family(self.family_panel.selected_info())
        self.training_panel.continue_run(info.path, resume_step(info), info.image_size)
        show_history(self.training_panel.loss_plot, info.metrics)
        self.preview_panel.clear()
        if self.explore_panel is not None:
            self.explore_panel.set_model(family, provenance)
        if self.gallery_panel is not None:
            self.gallery_panel.load_run(info.path)        # the images kept from earlier sessions come back
        source = info.dataset_source
        current = self.dataset_panel.dataset
        if source and (current is None or current.report.root != source or current.images.shape[1] != info.image_size):
            self.dataset_panel.load(source, size=info.image_size, channels=info.channels)
        self.statusBar().showMessage(self.tr("Opened {0} at step {1:,}: explore it, or press Train to continue")
                                     .format(Path(info.path).name, info.step))
        self.show_step(EXPLORE if self.explore_panel is not None else TRAIN)
        self._update_steps()
        self.follow_run(info.path, info.step)             # live while another process trains it
        if info.warnings:                                 # its newest checkpoint was damaged: which one is used, why
            self.show_error(self.tr("The run's newest checkpoint could not be used"),
                            "\n".join(engine_text(warning) for warning in info.warnings))

    @Slot(object)
    def _on_training_failed(self, error: Exception) -> None:
        """A checkpoint could not be written (a full disk, any write error): training has stopped with the model
        in memory. Explore keeps it, and a dialog offers File ▸ Save run as… (studio/ui/save_run.py)."""
        trainer = self.training_panel.trainer
        if not isinstance(error, OSError) or trainer is None or trainer.family is None or trainer.run_folder is None:
            return
        from studio.engine import Provenance

        if self.explore_panel is not None:
            self.explore_panel.set_model(trainer.family, Provenance(
                family=trainer.family_name, model=Path(trainer.run_dir).name, run=str(trainer.run_dir),
                checkpoint=None, checkpoint_hash=None, checkpoint_step=trainer.step))
        self.statusBar().showMessage(self.tr("Training stopped: the run could not be saved; its model is still in "
                                             "memory (File ▸ Save run as…)"))
        self.save_run.training_could_not_save(trainer, error, self.training_panel.last_checkpoint)
        good = last_good(trainer, error, self.training_panel.last_checkpoint)
        if good is not None:                              # Train (once there is room) continues from it, not anew
            self.training_panel.continue_run(str(trainer.run_dir), good[1], trainer.family.data.image_size)
        self._update_steps()                              # Explore: the model in memory is ready

    @Slot(str)
    def _on_run_saved_as(self, path: str) -> None:
        if self.save_run.dialog is not None:
            self.save_run.dialog.close()
        self.open_run(path)                               # Explore, Train and Gallery go on with the new folder

    def confirm_close_unsaved(self) -> bool:
        """Ask whether to quit with a model that training could not save (tests replace this method to answer)."""
        answer = QMessageBox.question(
            self, self.tr("The run is not saved"),
            self.tr("Training stopped because its checkpoint could not be saved, and the model in memory will be "
                    "lost. Quit anyway? (File ▸ Save run as… saves it in another folder.)"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    # --- following a run another process trains (studio/ui/run_follower.py) ---

    def follow_run(self, path: str, step: int = 0) -> None:
        """Watch an opened run folder: while another process (the CLI, torchrun, a server's synced folder) trains
        it, its progress, losses, previews and newest model arrive here as they are written."""
        from studio.ui.run_follower import RunFollower

        self.stop_following()
        self.follower = RunFollower(path, loaded_step=step, parent=self)
        self.follower.updated.connect(self._on_follower_updated)
        self.follower.model_loaded.connect(self._on_follower_model_loaded)
        self.follower.start()

    def stop_following(self) -> None:
        if self.follower is not None:
            self.follower.stop()
            self._old_jobs += self.follower.jobs()
            self.follower = None
            self._followed_state = ""
            self.training_panel.stop_following()

    @Slot(object)
    def _on_follower_updated(self, update) -> None:
        panel = self.training_panel
        if self.follower is None or panel.resume_dir != self.follower.path or panel.state != "idle":
            self.stop_following()                          # another run chosen, or training started here
            self._update_steps()
            return
        show_history(panel.loss_plot, update.records, clear=update.reset)
        if update.previews:
            from studio.engine import Frame

            for preview in update.previews:                # a saved grid: one picture
                self.preview_panel.add_frame(preview.step, Frame(images=preview.image[None]))
        if update.checkpoint:
            panel.continue_run(self.follower.path, update.checkpoint_step)    # Train would continue from there
        # A run seen trained elsewhere (a live lock, or one its crashed owner left) shows where it stands; a run
        # found idle (say, trained here yesterday) keeps the page as opening it left it, until someone trains it.
        live = update.state == "running" or (update.state == "stalled" and update.owner is not None)
        if not (live or self._followed_state):
            return
        panel.show_followed(update)
        if update.state == "running" and panel.held_elsewhere and self._followed_state != "running":
            self.statusBar().showMessage(self.tr("Following {0}: another process trains it; Explore samples from its "
                                                 "newest checkpoint").format(Path(self.follower.path).name))
        self._followed_state = update.state
        self.train_action.setEnabled(panel.train_button.isEnabled())
        self.toolbar_status.setText(panel.followed_summary)
        self._update_steps()

    def _follow_before_checkpoint(self, error) -> bool:
        """A run another live process has only begun to train (no checkpoint yet) is followed on the Train page,
        and opened whole once its first checkpoint is loaded. False for any other failure to open a run."""
        from studio.engine import Run, RunError, read_run_lock

        message = getattr(error, "message", None)
        if getattr(message, "id", None) != "run.no_checkpoint":
            return False
        try:
            run = Run.open(Path(message.args["path"]))
            owner = read_run_lock(run.path)
        except RunError:
            return False
        if owner is None or owner.stale:
            return False
        self.family_panel.select_family(run.family_name)
        self.training_panel.set_family(self.family_panel.selected_info())
        self.training_panel.continue_run(str(run.path), 0)
        self.training_panel.loss_plot.clear()
        self.preview_panel.clear()
        self.follow_run(str(run.path), 0)
        self._reopen_followed = str(run.path)
        self.statusBar().showMessage(self.tr("Following {0}: another process has begun training it").format(
            run.path.name))
        self.show_step(TRAIN)
        return True

    @Slot(object)
    def _on_follower_model_loaded(self, result) -> None:
        family, provenance, step = result
        if self.follower is None or self.training_panel.state != "idle":
            return
        if self._reopen_followed == self.follower.path:    # its first checkpoint: open the run whole now
            self._reopen_followed = None
            self.open_run(self.follower.path)
            return
        if self.explore_panel is not None:
            self.explore_panel.set_model(family, provenance)
        self.statusBar().showMessage(self.tr("Explore samples from step {0:,} of the followed run").format(step), 8000)
        self._update_steps()

    @Slot(object)
    def _on_run_job_failed(self, error: Exception) -> None:
        self._run_job = None
        if self._follow_before_checkpoint(error):
            return
        message = engine_text(error) if type(error).__name__ in ("RunError", "CheckpointError") \
            else f"{type(error).__name__}: {error}"
        self.show_error(self.tr("The run could not be opened"), message)
        if self.explore_panel is not None:
            self.explore_panel.offer_weights()            # the Weights choice goes back to the weights shown

    def show_error(self, title: str, message: str) -> None:
        """A dialog naming what failed and why (tests replace it)."""
        QMessageBox.warning(self, title, message)

    # --- the training speed estimate ---

    @Slot()
    def _schedule_speed(self) -> None:
        if self._measure and self.training_panel.state == "idle":
            self._speed_timer.start()

    @Slot()
    def _on_speed_timer_timeout(self) -> None:
        panel, info = self.training_panel, self.family_panel.selected_info()
        dataset = self.dataset_panel.dataset
        if panel.state != "idle" or info is None or dataset is None or panel.readiness():
            return
        self._cancel_speed_job()
        self.dataset_panel.set_estimate(self.tr("Measuring a few training steps…"))
        job = Job(measure_speed, dataset, info.name, panel.settings(), controls=True, parent=self)
        job.succeeded.connect(self._on_speed_job_succeeded)
        job.failed.connect(self._on_speed_job_failed)
        self._speed_job = job
        job.start()

    def _cancel_speed_job(self) -> None:
        self._speed_timer.stop()
        if self._speed_job is not None:
            self._speed_job.cancel()
            self._old_jobs.append(self._speed_job)
            self._speed_job = None

    @Slot(object)
    def _on_speed_job_succeeded(self, estimate) -> None:
        self._speed_job = None
        if estimate is not None:
            self.dataset_panel.set_estimate(describe_estimate(estimate))

    @Slot(object)
    def _on_speed_job_failed(self, error: Exception) -> None:
        self._speed_job = None
        self.dataset_panel.set_estimate(self.tr("Could not measure: {0}").format(engine_text(error)))

    # --- state ---

    def jobs(self) -> list[Job]:
        """Every background job this window started that may still run."""
        mine = (self._families_job, self._devices_job, self._plotting_job, self._run_job, self._speed_job,
                *self._old_jobs, *(self.follower.jobs() if self.follower is not None else ()))
        others = [*self.dataset_panel.jobs(), *self.training_panel.jobs(), *self.run_archive.jobs(),
                  *self.save_run.jobs(),
                  *self.preview_panel.jobs(), *self.compare_panel.jobs()]
        if self.explore_panel is not None:
            others += list(self.explore_panel.jobs())
        if self.gallery_panel is not None:
            others += list(self.gallery_panel.jobs())
        return [job for job in (*mine, *others) if job is not None]

    def _restore_state(self) -> None:
        geometry = self._settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 820)
        state = self._settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        for key, splitter in (("window/train_splitter", self.train_splitter),
                              ("window/watch_splitter", self.watch_splitter)):
            state = self._settings.value(key)
            if state is not None:
                splitter.restoreState(state)
        self.show_step(self._settings.value("window/step", DATA, type=int) % STEPS)

    def _save_state(self) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.setValue("window/train_splitter", self.train_splitter.saveState())
        self._settings.setValue("window/watch_splitter", self.watch_splitter.saveState())
        self._settings.setValue("window/step", self.steps.currentRow())
        self.training_panel.save_settings()
        self._settings.sync()

    def confirm_close_during_training(self) -> bool:
        """Ask whether to stop training and quit (tests replace this method to answer)."""
        answer = QMessageBox.question(
            self, self.tr("Training is running"),
            self.tr("Stop training, save a checkpoint and quit? The run can be continued later (File ▸ Open run)."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event) -> None:
        if self.training_panel.is_training and not self.confirm_close_during_training():
            event.ignore()
            return
        if self.save_run.unsaved and not self.save_run.jobs() and not self.confirm_close_unsaved():
            event.ignore()
            return
        self._save_state()
        # Stop background work before the widgets go: no thread may outlive the window.
        self._cancel_speed_job()
        stopped = True
        for panel in (self.explore_panel, self.gallery_panel, self.compare_panel):
            if panel is not None:
                stopped = panel.stop(CLOSE_TIMEOUT_S) and stopped
        stopped = self.training_panel.stop_and_wait() and stopped
        stopped = self.dataset_panel.stop(CLOSE_TIMEOUT_S) and stopped
        stopped = self.run_archive.stop(CLOSE_TIMEOUT_S) and stopped          # cancelled: whole or nothing
        stopped = stop_all(self.save_run.jobs(), CLOSE_TIMEOUT_S) and stopped  # Save run as… finishes
        stopped = stop_all(self.preview_panel.jobs(), CLOSE_TIMEOUT_S) and stopped   # animation writes finish
        self.stop_following()                              # its jobs join _old_jobs
        mine = [self._families_job, self._devices_job, self._plotting_job, self._run_job, *self._old_jobs]
        stopped = stop_all(mine, CLOSE_TIMEOUT_S) and stopped
        if not stopped:
            log.warning("a background job did not stop within %.0f s", CLOSE_TIMEOUT_S)
        super().closeEvent(event)
