"""File ▸ Export run… and File ▸ Import run…: a run as one zip with a model card, and back (engine/archive.py).

The work runs in a background Job (writing the sample grid samples the model; an import
reads and checks every byte); an export takes the images the gallery kept for the run. A busy bar in the status bar shows it is under way, and a
refusal or failure opens a dialog with the engine's message, which names the file and
the reason. An imported run opens at once, like File ▸ Open run. Dropping an exported zip
(or folder) on the window imports it too.
"""
from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath
from typing import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QProgressBar

from studio.ui.i18n import engine_text
from studio.ui.workers import Job

MANIFEST = "genstudio-export.json"      # engine/archive.py's MANIFEST (that module imports torch; this one must not)


def is_exported_run(path: Path) -> bool:
    """Whether a dropped path is a run exported by genstudio: a folder or zip holding its manifest. Reads
    names only. A .zip that cannot be read counts too, so the import names what is wrong with it."""
    if path.is_dir():
        return (path / MANIFEST).is_file()
    if path.suffix.lower() != ".zip" or not path.is_file():
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            return any(PurePosixPath(name).name == MANIFEST for name in zf.namelist()[:1000])
    except (OSError, zipfile.BadZipFile):
        return True


class RunArchiveActions(QObject):
    """The two File-menu actions, their dialogs and jobs. `current_run()` gives the run to export, if any."""

    exported = Signal(object)        # the Path written
    imported = Signal(object)        # the new run folder

    def __init__(self, window: QMainWindow, current_run: Callable[[], str | None]):
        super().__init__(window)
        self._window = window
        self._current_run = current_run
        self._job: Job | None = None
        self._failure_title = ""
        self.export_action = self._action("exportRunAction", self.tr("&Export run…"),
                                          self.tr("Save a run as one zip: its weights (safetensors), settings, "
                                                  "history, the images its gallery kept, and a model card with "
                                                  "its training curve and samples"),
                                          self._on_export_triggered)
        self.import_action = self._action("importRunAction", self.tr("&Import run…"),
                                          self.tr("Add a run someone exported (a zip) to your runs, after checking "
                                                  "that it holds nothing but a model"),
                                          self._on_import_triggered)
        self.busy = QProgressBar()
        self.busy.setObjectName("archiveProgress")
        self.busy.setAccessibleName(self.tr("Export or import progress"))
        self.busy.setMaximumWidth(160)
        self.busy.setTextVisible(False)
        self.busy.hide()
        window.statusBar().addPermanentWidget(self.busy)

    def _action(self, name: str, text: str, tip: str, slot) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    # --- asking the user (tests patch these) ------------------------------------------------------
    def ask_run_folder(self) -> Path | None:
        from studio.paths import runs_dir
        folder = QFileDialog.getExistingDirectory(self._window, self.tr("Choose the run to export"), str(runs_dir()))
        return Path(folder) if folder else None

    def ask_export_path(self, suggested: str) -> Path | None:
        """A save dialog; it asks before replacing an existing file."""
        path, _ = QFileDialog.getSaveFileName(self._window, self.tr("Export run"), str(Path.home() / suggested),
                                              self.tr("Zip archive (*.zip)"))
        return (Path(path) if Path(path).suffix else Path(path).with_suffix(".zip")) if path else None

    def ask_import_path(self) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self._window, self.tr("Import run"), str(Path.home()),
                                              self.tr("Exported run (*.zip)"))
        return Path(path) if path else None

    def show_error(self, title: str, message: str) -> None:
        QMessageBox.warning(self._window, title, message)

    # --- the work -----------------------------------------------------------------------------------
    def export_run(self, run: Path, path: Path, *, gallery: bool = True) -> Job:
        """Write `run` as a zip at `path` (replacing it: the save dialog asked) in the background, with the
        images its gallery kept unless `gallery` is False."""
        from studio.engine import export_run
        message = self.tr("Exporting {0} to {1}…").format(Path(run).name, path)
        self._failure_title = self.tr("The run could not be exported")
        return self._start(Job(export_run, Path(run), Path(path), overwrite=True, gallery=gallery, controls=True,
                               parent=self),
                           message, self._on_export_succeeded)

    def import_run(self, path: Path, runs_dir: Path | None = None) -> Job:
        """Check and add the exported run at `path` to the runs folder in the background."""
        from studio.engine import import_run
        message = self.tr("Checking and importing {0}…").format(Path(path).name)
        self._failure_title = self.tr("The run could not be imported")
        return self._start(Job(import_run, Path(path), runs_dir, controls=True, parent=self),
                           message, self._on_import_succeeded)

    def _start(self, job: Job, message: str, succeeded) -> Job:
        self._job = job
        job.progressed.connect(self._on_job_progressed)
        job.succeeded.connect(succeeded)
        job.failed.connect(self._on_job_failed)
        self._set_busy(True)
        self._window.statusBar().showMessage(message)
        return job.start()

    def jobs(self) -> list[Job]:
        return [self._job] if self._job is not None and self._job.running else []

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Window closing: cancel an export or import under way and wait for it; True if it stopped. Nothing
        is lost: an export writes its zip whole or not at all, an import adds the run whole or not at all,
        and one whose worker had not begun never runs."""
        job, self._job = self._job, None
        stopped = job is None or job.stop(timeout_s)
        self._set_busy(False)
        return stopped

    def _set_busy(self, busy: bool) -> None:
        self.busy.setRange(0, 0)           # busy until the job reports progress
        self.busy.setVisible(busy)
        self.export_action.setEnabled(not busy)
        self.import_action.setEnabled(not busy)

    # --- handlers -----------------------------------------------------------------------------------
    @Slot()
    def _on_export_triggered(self) -> None:
        current = self._current_run()
        run = Path(current) if current and (Path(current) / "config.json").is_file() else self.ask_run_folder()
        if run is None:
            return
        path = self.ask_export_path(f"{run.name}.zip")
        if path is not None:
            self.export_run(run, path)

    @Slot()
    def _on_import_triggered(self) -> None:
        path = self.ask_import_path()
        if path is not None:
            self.import_run(path)

    @Slot(int, int)
    def _on_job_progressed(self, done: int, total: int) -> None:
        self.busy.setRange(0, max(1, total))
        self.busy.setValue(done)

    @Slot(object)
    def _on_export_succeeded(self, path) -> None:
        self._set_busy(False)
        self._window.statusBar().showMessage(self.tr("Exported to {0}").format(path), 10000)
        self.exported.emit(path)

    @Slot(object)
    def _on_import_succeeded(self, path) -> None:
        self._set_busy(False)
        self._window.statusBar().showMessage(self.tr("Imported as {0}").format(path), 10000)
        self.imported.emit(path)

    @Slot(object)
    def _on_job_failed(self, error) -> None:
        self._set_busy(False)
        self._window.statusBar().clearMessage()
        known = type(error).__name__ in ("ArchiveError", "RunError", "CheckpointError")
        self.show_error(self._failure_title, engine_text(error) if known else f"{type(error).__name__}: {error}")
