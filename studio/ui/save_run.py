"""File ▸ Save run as…, and what the window does when training cannot save (a full disk, any write error).

Save run as… writes the open run, whole, to a folder the user picks (engine/save_as.py) and then opens it
there: Explore shows its model and Train continues it at its new place. When training stopped because a
checkpoint could not be written, the Trainer's model is still in memory: a dialog names the folder, the space
needed and the last good checkpoint, and its Save run as… button writes that live model with the rest of
the run. The source run is only read; nothing of it is deleted to make room.

The work runs in a must-finish Job (it writes the user's files: closing the window waits for it).
"""
from __future__ import annotations

import errno
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from studio.ui.i18n import engine_text
from studio.ui.workers import Job

FULL_DISK = (errno.ENOSPC, errno.EDQUOT)
RUN_SAVE_FAILED = ("checkpoint.disk_full_run", "checkpoint.disk_full_first")    # the engine names all three things


def save_run(source: str, target: str, trainer=None, *, progress=None, cancel=None) -> str:
    """The Job's body: engine save_run_as (which cannot be cancelled half-way: it renames a whole copy)."""
    from studio.engine import save_run_as

    return str(save_run_as(source, target, trainer=trainer, progress=progress))


def _step_of(checkpoint: Path) -> int | None:
    """A checkpoint's step from its header (no tensors read), or None when there is no readable one."""
    from studio.engine import CheckpointError, read_meta

    try:
        return int(read_meta(checkpoint).get("step", 0))
    except (CheckpointError, OSError, ValueError):
        return None


def last_good(trainer, error: BaseException, last_checkpoint: str | None) -> tuple[Path, int] | None:
    """(path, step) of the run's newest checkpoint on disk after a failed save: the one the engine's message
    names, else the last this session saved, else the run's last.safetensors; None when there is none."""
    args = getattr(getattr(error, "message", None), "args", {})
    if "last" in args and "step" in args:
        return Path(args["last"]), int(args["step"])
    last = Path(last_checkpoint) if last_checkpoint else Path(trainer.run_dir) / "checkpoints" / "last.safetensors"
    step = _step_of(last)
    return (last, step) if step is not None else None


def free_name(folder: Path, name: str) -> Path:
    """`folder` itself when it is empty, else `folder/name` (or name-2, name-3, … when taken)."""
    if folder.is_dir() and not any(folder.iterdir()):
        return folder
    candidate, n = folder / name, 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{name}-{n}"
    return candidate


class SaveRunAs(QObject):
    """The File-menu action, its folder dialog and job, and the dialog of a save that failed while training.
    `current_run()` gives the open run's folder, if any; `idle()` whether no training is under way."""

    saved = Signal(str)              # the new run folder, written whole

    def __init__(self, window: QMainWindow, current_run: Callable[[], str | None], idle: Callable[[], bool]):
        super().__init__(window)
        self._window = window
        self._current_run = current_run
        self._idle = idle
        self._job: Job | None = None
        self._trainer = None         # a Trainer whose model is in memory and not saved (its save failed)
        self.dialog: QMessageBox | None = None
        self.action = QAction(self.tr("Save run &as…"), window)
        self.action.setObjectName("saveRunAsAction")
        self.action.setShortcut(QKeySequence(self.tr("Ctrl+Shift+S")))
        tip = self.tr("Save the whole run (settings, checkpoints, history, previews, kept images) in another "
                      "folder and go on working with it there")
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.triggered.connect(self._on_action_triggered)
        window.addAction(self.action)
        self.update_enabled()

    # --- asking the user (tests patch these) ------------------------------------------------------
    def ask_folder(self, name: str) -> Path | None:
        """Where to save: an empty folder becomes the run, another gets the run as a new folder inside."""
        folder = QFileDialog.getExistingDirectory(
            self._window, self.tr("Save run as: choose a folder (an empty one, or one to hold {0})").format(name),
            str(Path.home()))
        return Path(folder) if folder else None

    def show_error(self, title: str, message: str) -> None:
        QMessageBox.warning(self._window, title, message)

    # --- state ---------------------------------------------------------------------------------------
    def source(self) -> str | None:
        """The run Save run as… writes: the one whose model training could not save, else the open run."""
        if self._trainer is not None:
            return str(self._trainer.run_dir)
        current = self._current_run()
        return current if current and (Path(current) / "config.json").is_file() else None

    @property
    def unsaved(self) -> bool:
        """A model is in memory that training could not save."""
        return self._trainer is not None

    def update_enabled(self) -> None:
        self.action.setEnabled(self._job is None and self._idle() and self.source() is not None)

    def jobs(self) -> list[Job]:
        return [self._job] if self._job is not None and self._job.running else []

    # --- a save that failed while training --------------------------------------------------------------
    def training_could_not_save(self, trainer, error: BaseException, last_checkpoint: str | None) -> None:
        """Training stopped on `error` (an OSError) with `trainer`'s model in memory: keep it for Save run as…
        and open the dialog that says where, how much and what is safe, with the button that saves it."""
        self._trainer = trainer
        self.update_enabled()
        self._open_dialog(trainer.step, self.describe_failure(trainer, error, last_checkpoint))

    def describe_failure(self, trainer, error: BaseException, last_checkpoint: str | None) -> str:
        """What the dialog says: the folder that refused the write, why, the space needed (a full disk) and the
        last good checkpoint. The engine's message says all of it for the run's checkpoints; another write (the
        best weights, the metrics log, a preview) is described from the error and the run."""
        message = getattr(error, "message", None)
        if message is not None and getattr(message, "id", "") in RUN_SAVE_FAILED:
            return engine_text(error)
        path = message.args.get("path") if message is not None else getattr(error, "filename", None)
        folder = Path(path).parent if path else Path(trainer.run_dir)
        reason = engine_text(message.args["reason"]) if message is not None and "reason" in message.args \
            else (error.strerror or str(error))
        good = last_good(trainer, error, last_checkpoint)
        lines = [self.tr("{0}: could not write there: {1}.").format(folder, reason)]
        if getattr(error, "errno", None) in FULL_DISK:
            from studio.engine import size_text

            needed = getattr(error, "needed", None) or (good[0].stat().st_size if good else None)
            if needed:
                lines.append(self.tr("About {0} more is needed there.").format(size_text(needed)))
        if good is not None:
            lines.append(self.tr("The last good checkpoint, {0} (step {1:,}), is unchanged.").format(*good))
        else:
            lines.append(self.tr("The run has no checkpoint on disk yet."))
        return " ".join(lines)

    def _open_dialog(self, step: int, details: str) -> None:
        if self.dialog is not None:
            self.dialog.close()
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("The run could not be saved"), self.tr(
            "Training stopped at step {0:,}: its checkpoint could not be saved. The model is still in memory. "
            "Save run as… writes the whole run, with this model, to a folder you choose on a disk with room, "
            "and training continues there.").format(step), QMessageBox.StandardButton.NoButton, self._window)
        box.setObjectName("saveFailedDialog")
        box.setStyleSheet("QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel { min-width: 520px; }")
        box.setInformativeText(details)
        self.dialog_save_button = box.addButton(self.tr("Save run as…"), QMessageBox.ButtonRole.AcceptRole)
        self.dialog_save_button.setObjectName("saveRunAsButton")
        box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.dialog_save_button)
        box.buttonClicked.connect(self._on_dialog_button_clicked)
        self.dialog = box
        box.open()                                    # window-modal, and the event loop goes on

    def set_aside(self) -> None:
        """Training starts again (from the last good checkpoint, or a new run): the unsaved model is let go."""
        if self._trainer is not None:
            self._trainer = None
            if self.dialog is not None:
                self.dialog.close()
            self.update_enabled()

    @Slot(object)
    def _on_dialog_button_clicked(self, button) -> None:
        if button is self.dialog_save_button:
            self._on_action_triggered()

    # --- the work -------------------------------------------------------------------------------------
    def save_to(self, target: Path) -> Job:
        """Write the run (with the model in memory, if training could not save it) as the folder `target`."""
        source = self.source()
        job = Job(save_run, source, str(target), self._trainer, controls=True, must_finish=True, parent=self)
        job.succeeded.connect(self._on_job_succeeded)
        job.failed.connect(self._on_job_failed)
        self._job = job
        self.update_enabled()
        self._window.statusBar().showMessage(self.tr("Saving {0} as {1}…").format(Path(source).name, target))
        return job.start()

    @Slot()
    def _on_action_triggered(self) -> None:
        source = self.source()
        if source is None or self._job is not None:
            return
        folder = self.ask_folder(Path(source).name)
        if folder is not None:
            self.save_to(free_name(folder, Path(source).name))

    @Slot(object)
    def _on_job_succeeded(self, target: str) -> None:
        self._job = None
        self._trainer = None                          # saved: the run continues from the new folder
        self.update_enabled()
        self._window.statusBar().showMessage(self.tr("Saved the run as {0}; it opens there").format(target), 15000)
        self.saved.emit(target)

    @Slot(object)
    def _on_job_failed(self, error) -> None:
        self._job = None
        self.update_enabled()
        self._window.statusBar().clearMessage()
        known = type(error).__name__ in ("RunError", "CheckpointError")
        self.show_error(self.tr("The run could not be saved there"),
                        engine_text(error) if known else f"{type(error).__name__}: {error}")

