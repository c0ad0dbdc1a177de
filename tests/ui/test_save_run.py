"""File ▸ Save run as… in the window, and a full disk while training (an ENOSPC injected into the checkpoint
writes): training stops with the model in memory, a dialog names the folder, the space needed and the last good
checkpoint, and its Save run as… writes the live model elsewhere, where the run opens and training continues."""
from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from uihelpers import train_tiny_vae

TIMEOUT_MS = 60_000


@pytest.fixture
def window(training_window):
    return training_window


class FullDisk:
    """Checkpoint writes (engine/checkpoint.py atomic_write_bytes) fail with ENOSPC while `full`."""

    def __init__(self, monkeypatch):
        from studio.engine import checkpoint

        self.real, self.full = checkpoint.atomic_write_bytes, False
        monkeypatch.setattr(checkpoint, "atomic_write_bytes", self)

    def __call__(self, path, data):
        if self.full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return self.real(path, data)


def varied(image) -> bool:
    """A grab that shows something: more than a few colours."""
    from PySide6.QtGui import QImage

    image = image.toImage().convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return len(np.unique(pixels[:, : image.width() * 4].reshape(-1, 4), axis=0)) > 8


def test_a_full_disk_stops_training_keeps_the_model_and_save_run_as_continues_elsewhere(window, qtbot, tmp_path,
                                                                                        monkeypatch):
    from studio.engine import read_meta

    panel, save_run = window.training_panel, window.save_run
    disk = FullDisk(monkeypatch)
    with qtbot.waitSignal(panel.progressed, timeout=TIMEOUT_MS):
        assert panel.start_training()
    with qtbot.waitSignal(panel.checkpoint_saved, timeout=TIMEOUT_MS) as saved:
        window.save_action.trigger()                                  # a good checkpoint first
    good = saved.args[0]
    good_step = read_meta(Path(good))["step"]
    run_dir = Path(panel.trainer.run_dir)
    before = sorted(p.name for p in (run_dir / "checkpoints").iterdir())

    disk.full = True
    with qtbot.waitSignal(panel.training_failed, timeout=TIMEOUT_MS) as failed:
        window.save_action.trigger()
    assert isinstance(failed.args[0], OSError)
    qtbot.waitUntil(lambda: save_run.dialog is not None and save_run.dialog.isVisible(), timeout=TIMEOUT_MS)
    dialog = save_run.dialog
    text = dialog.informativeText()
    assert str(run_dir / "checkpoints") in text and "needed" in text and f"{good} (step {good_step})" in text
    step = panel.trainer.step
    assert f"Training stopped at step {step:,}" in dialog.text()
    assert panel.state == "idle" and panel.trainer.family is not None             # the model is in memory
    if window.explore_panel is not None:
        assert window.explore_panel.family() is panel.trainer.family
        assert "Model ready" in window.steps.item(3).text()
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == before  # nothing deleted, nothing torn
    assert save_run.unsaved and save_run.source() == str(run_dir)
    assert panel.resume_dir == str(run_dir) and panel.train_button.text() == "Continue run"   # from the good one
    window.grab().save(str(tmp_path / "train_page_after_full_disk.png"))
    shot = dialog.grab()
    shot.save(str(tmp_path / "save_failed_dialog.png"))
    assert varied(shot)

    file_menu = window.menuBar().findChild(QMenu, "fileMenu")
    file_menu.aboutToShow.emit()
    assert save_run.action in file_menu.actions() and save_run.action.isEnabled()
    file_menu.popup(window.mapToGlobal(QPoint(10, 30)))
    qtbot.waitUntil(file_menu.isVisible, timeout=TIMEOUT_MS)
    menu_shot = file_menu.grab()
    menu_shot.save(str(tmp_path / "file_menu.png"))
    file_menu.hide()
    assert varied(menu_shot)

    disk.full = False                                   # a folder on a disk with room
    save_run.ask_folder = lambda name: tmp_path / "big"
    with qtbot.waitSignal(save_run.saved, timeout=TIMEOUT_MS) as written:
        save_run.dialog_save_button.click()
    target = Path(written.args[0])
    assert target == tmp_path / "big" / run_dir.name and not save_run.unsaved
    assert read_meta(target / "checkpoints" / "last.safetensors")["step"] == step
    assert (target / "metrics.jsonl").is_file() and (target / "config.json").is_file()
    assert read_meta(run_dir / "checkpoints" / "last.safetensors")["step"] == good_step     # the source: as it was
    qtbot.waitUntil(lambda: panel.resume_dir == str(target), timeout=TIMEOUT_MS)           # opened at its new place

    panel.length_spin.setValue(2)
    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS) as finished:
        with qtbot.waitSignal(panel.training_started, timeout=TIMEOUT_MS) as started:
            assert panel.start_training()
    assert started.args[0].resumed and started.args[0].step == step
    assert finished.args[0].status == "completed" and Path(finished.args[0].run_dir) == target


def test_save_run_as_copies_an_open_run_and_opens_the_copy(make_window, qtbot, tmp_path):
    window = make_window()
    run = train_tiny_vae(tmp_path / "run", 16)
    save_run = window.save_run
    assert not save_run.action.isEnabled() or save_run.source() is None            # nothing open yet
    window.open_run(str(run))
    qtbot.waitUntil(lambda: window.training_panel.resume_dir == str(run), timeout=TIMEOUT_MS)
    save_run.update_enabled()
    assert save_run.action.isEnabled() and save_run.source() == str(run)

    errors = []
    save_run.show_error = lambda title, message: errors.append((title, message))
    save_run.ask_folder = lambda name: run / "samples"                              # inside the run: refused
    save_run.action.trigger()
    qtbot.waitUntil(lambda: bool(errors), timeout=TIMEOUT_MS)
    assert errors[0][0] == "The run could not be saved there" and "is inside the run being saved" in errors[0][1]

    empty = tmp_path / "copy"
    empty.mkdir()
    save_run.ask_folder = lambda name: empty
    with qtbot.waitSignal(save_run.saved, timeout=TIMEOUT_MS) as written:
        save_run.action.trigger()
    assert written.args[0] == str(empty)
    assert sorted(p.name for p in (empty / "checkpoints").iterdir()) == \
        sorted(p.name for p in (run / "checkpoints").iterdir())
    qtbot.waitUntil(lambda: window.training_panel.resume_dir == str(empty), timeout=TIMEOUT_MS)
    window.close()
    assert not any(job.running for job in window.jobs())


def test_every_failed_write_names_the_folder_the_space_and_the_last_good_checkpoint(qtbot, tmp_path):
    """The run's own checkpoints speak through the engine's message; the best weights, the metrics log or a
    preview that could not be written are described from the error and the run."""
    from types import SimpleNamespace

    import torch
    from PySide6.QtWidgets import QMainWindow

    from studio.engine.checkpoint import DiskFullError, save_checkpoint, size_text
    from studio.engine.messages import os_reason
    from studio.ui.save_run import SaveRunAs

    window = QMainWindow()
    qtbot.addWidget(window)
    save_run = SaveRunAs(window, lambda: None, lambda: True)
    run = tmp_path / "run"
    trainer = SimpleNamespace(run_dir=run, step=9)
    assert save_run.describe_failure(trainer, OSError(errno.ENOSPC, "No space left on device"), None) == (
        f"{run}: could not write there: No space left on device. The run has no checkpoint on disk yet.")

    last = save_checkpoint(run / "checkpoints" / "last.safetensors", {"w": torch.zeros(300)}, {"step": 7})
    best = run / "checkpoints" / "best.safetensors"
    full = DiskFullError("checkpoint.disk_full", path=best, size=size_text(5000),
                         reason=os_reason(OSError(errno.ENOSPC, "No space left on device")), needed=5000,
                         os_errno=errno.ENOSPC)
    assert save_run.describe_failure(trainer, full, str(last)) == (
        f"{run / 'checkpoints'}: could not write there: No space left on device. About 5 KiB more is needed "
        f"there. The last good checkpoint, {last} (step 7), is unchanged.")
    denied = OSError(errno.EIO, "Input/output error", str(run / "metrics.jsonl"))
    assert save_run.describe_failure(trainer, denied, None) == (
        f"{run}: could not write there: Input/output error. The last good checkpoint, {last} (step 7), is unchanged.")
    log = OSError(errno.ENOSPC, "No space left on device", str(run / "metrics.jsonl"))
    assert f"About {size_text(last.stat().st_size)} more is needed there." in save_run.describe_failure(trainer, log, None)
