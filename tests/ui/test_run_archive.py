"""File ▸ Export run… / Import run… in the window: a run goes out as a zip, with the images its gallery kept,
and comes back opened, its gallery too; a crafted archive is refused in a dialog that names it; closing stops
an export or import (one not begun never runs), and no job is left running."""
from __future__ import annotations

import zipfile

import pytest

from studio.engine.families.base import DataInfo, get_family
from studio.engine.run import Run
from studio.paths import runs_dir

TIMEOUT_MS = 30_000


@pytest.fixture
def run_path(tmp_path):
    """A run with an (untrained) tiny VAE checkpoint."""
    cls = get_family("vae")
    family = cls(cls.Config.from_preset("tiny"), DataInfo(8, 3))
    run = Run.create(tmp_path / "my-run", family="vae", family_config=family.config.to_dict(), train_config={},
                     data=family.data, dataset={"source": "synthetic", "summary": "none"})
    tensors = {f"model.{name}.{k}": v for name, module in family.modules().items()
               for k, v in module.state_dict().items()}
    run.save_checkpoint(tensors, {"step": 1})
    return run.path


@pytest.fixture
def window(make_window):
    win = make_window()
    win.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    yield win
    win.close()
    assert not any(job.running for job in win.jobs())


def test_export_then_import_opens_the_run(window, qtbot, run_path, tmp_path):
    actions = window.run_archive
    file_menu = window.menuBar().findChild(type(window.recent_menu.parent()), "fileMenu")
    assert actions.import_action in file_menu.actions() and actions.export_action in file_menu.actions()
    actions.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    actions.ask_run_folder = lambda: run_path
    actions.ask_export_path = lambda suggested: tmp_path / suggested
    with qtbot.waitSignal(actions.exported, timeout=TIMEOUT_MS) as signal:
        actions.export_action.trigger()
        assert actions.busy.isVisible() and not actions.export_action.isEnabled()
    assert signal.args[0] == tmp_path / "my-run.zip" and zipfile.is_zipfile(signal.args[0])
    assert not actions.busy.isVisible() and actions.export_action.isEnabled()

    actions.ask_import_path = lambda: tmp_path / "my-run.zip"
    with qtbot.waitSignal(actions.imported, timeout=TIMEOUT_MS) as signal:
        actions.import_action.trigger()
    assert signal.args[0] == runs_dir() / "my-run"
    qtbot.waitUntil(lambda: window.training_panel.resume_dir == str(runs_dir() / "my-run"), timeout=TIMEOUT_MS)


def test_a_crafted_archive_is_refused_in_a_dialog(window, qtbot, run_path, tmp_path):
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("my-run/config.json", (run_path / "config.json").read_bytes())
        zf.writestr("my-run/../../escape.json", b"{}")
    errors = []
    window.run_archive.show_error = lambda title, message: errors.append((title, message))
    window.run_archive.import_run(bad)
    qtbot.waitUntil(lambda: bool(errors), timeout=TIMEOUT_MS)
    title, message = errors[0]
    assert title == "The run could not be imported"
    assert message.startswith(f"{bad}: refused") and "(..)" in message and "Traceback" not in message
    assert not window.run_archive.busy.isVisible()
    assert not runs_dir().exists() or not any(runs_dir().iterdir())


def test_dropping_an_exported_zip_imports_it_and_a_broken_zip_is_named(window, qtbot, run_path, tmp_path):
    from studio.engine.archive import export_run
    from uihelpers import drop

    export_run(run_path, tmp_path / "shared.zip")
    with qtbot.waitSignal(window.run_archive.imported, timeout=TIMEOUT_MS) as signal:
        drop(window, tmp_path / "shared.zip")
    assert signal.args[0] == runs_dir() / "shared"                  # named after the archive
    qtbot.waitUntil(lambda: window.training_panel.resume_dir == str(runs_dir() / "shared"), timeout=TIMEOUT_MS)

    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    errors = []
    window.run_archive.show_error = lambda title, message: errors.append(message)
    drop(window, broken)
    qtbot.waitUntil(lambda: bool(errors), timeout=TIMEOUT_MS)
    assert errors[0].startswith(str(broken)) and "Traceback" not in errors[0]


def test_the_gallery_travels_with_the_run_and_comes_back_in_the_gallery(window, qtbot, run_path, tmp_path):
    from datetime import datetime

    import numpy as np

    from studio.engine.gallery import GALLERY_FOLDER, GalleryItem, keep_items, kept_names

    made = [GalleryItem(image=np.full((8, 8, 3), 60 * seed, np.uint8),
                        provenance={"family": "vae", "run": str(run_path), "seed": seed}) for seed in (1, 2)]
    names = kept_names(made, datetime(2025, 1, 1, 12))
    _, written, problem = keep_items(made, [run_path / GALLERY_FOLDER / name for name in names])
    assert problem is None and len(written) == 2

    actions = window.run_archive
    actions.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    with qtbot.waitSignal(actions.exported, timeout=TIMEOUT_MS) as signal:
        actions.export_run(run_path, tmp_path / "shared.zip")
    with zipfile.ZipFile(signal.args[0]) as zf:
        assert [n for n in zf.namelist() if "/gallery/" in n] == [f"shared/gallery/{name}" for name in names]
    with qtbot.waitSignal(actions.imported, timeout=TIMEOUT_MS):
        actions.import_run(tmp_path / "shared.zip")
    gallery = window.gallery_panel
    qtbot.waitUntil(lambda: len(gallery.items()) == 2, timeout=TIMEOUT_MS)     # the imported run opened
    assert [i.params["seed"] for i in gallery.items()] == [1, 2]
    assert all(str(runs_dir() / "shared" / GALLERY_FOLDER) in str(gallery.kept_path(i)) for i in gallery.items())


def test_closing_stops_an_export_or_import_that_had_not_begun(window, qtbot, run_path, tmp_path):
    """stop() inside a blocked event loop (as in a closeEvent): the job never runs and nothing is written."""
    from PySide6.QtCore import QEventLoop, QTimer

    from studio.engine.archive import export_run
    export_run(run_path, tmp_path / "ready.zip", samples=0)
    actions, results, late = window.run_archive, [], []

    def close():
        for start in (lambda: actions.export_run(run_path, tmp_path / "never.zip"),
                      lambda: actions.import_run(tmp_path / "ready.zip")):
            job = start()
            results.append((job, actions.stop(5), job.cancelled))
            late.append(qtbot.waitSignal(job.pool_task_ended, timeout=TIMEOUT_MS))
        loop.quit()

    loop = QEventLoop()
    QTimer.singleShot(0, close)
    loop.exec()
    assert [(stopped, cancelled) for _, stopped, cancelled in results] == [(True, True), (True, True)]
    assert not actions.jobs() and not actions.busy.isVisible() and actions.export_action.isEnabled()
    for worker in late:                                   # their workers start from their timers at last...
        worker.wait()
    assert not (tmp_path / "never.zip").exists() and not list(tmp_path.glob(".never*"))   # ...and do nothing
    assert not runs_dir().exists() or not any(runs_dir().iterdir())
