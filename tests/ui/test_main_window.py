"""The main window offscreen: families, drop a folder, demo sets, errors, and no thread left behind."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication, QComboBox, QDoubleSpinBox, QListWidget, QProgressBar, QPushButton, QScrollArea, QSlider, QSpinBox,
    QTableWidget, QToolButton, QWidget,
)

from studio.ui.app import create_app, ui_settings
from studio.ui.main_window import FamilyCard, FamilyInfo, MainWindow
from studio.ui.widgets.image_grid import ImageGrid, mosaic, to_qimage
from studio.ui.workers import Job
from uihelpers import drop

TIMEOUT_MS = 20_000


@pytest.fixture
def window(make_window):
    win = make_window()
    yield win
    win.close()
    assert not any(job.running for job in win.jobs())


@pytest.fixture
def folder(tmp_path):
    """Three small PNGs and one zero-byte bad.png."""
    root = tmp_path / "pictures"
    root.mkdir()
    for i, colour in enumerate([(255, 0, 0), (0, 255, 0), (0, 0, 255)]):
        Image.new("RGB", (12, 10), colour).save(root / f"img{i}.png")
    (root / "bad.png").write_bytes(b"")
    return root


def test_window_opens_and_closes(window):
    assert window.windowTitle() == "genstudio"
    assert QApplication.applicationName() == "genstudio"
    assert window.isVisible()
    # nothing is training: Stop, Save now and Sample now start disabled; Train is there
    assert not window.stop_action.isEnabled() and not window.save_action.isEnabled()
    assert not window.sample_action.isEnabled() and window.train_action.isEnabled()
    window.close()
    assert not window.isVisible()
    assert ui_settings().value("window/geometry") is not None


def test_families_are_cards_and_the_choice_is_remembered(window, qtbot):
    from studio.engine.families import all_families

    families = all_families()
    cards = window.family_panel.cards()
    assert [card.info.name for card in cards] == [f.name for f in families]
    if not cards:
        assert window.family_panel._message.isVisible()
        return
    assert cards[0].accessibleName() == families[0].title
    qtbot.mouseClick(cards[-1], Qt.MouseButton.LeftButton)
    assert window.selected_family == cards[-1].info.name
    window.close()
    again = MainWindow(image_size=16, measure_speed=False, open_last_dataset=False)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.family_panel.loaded, timeout=TIMEOUT_MS)
    assert again.selected_family == cards[-1].info.name
    again.close()


def test_no_families_and_a_broken_registry_are_messages(window):
    panel = window.family_panel
    panel.set_families(())
    assert panel.cards() == [] and panel.selected_family() is None
    assert "No model families" in panel._message.text()
    panel.show_error("SyntaxError: invalid syntax")
    assert "could not be loaded" in panel._message.text()
    info = FamilyInfo("toy", "Toy", "A toy.", "A toy family for the test.", ("latent", "prompt"))
    panel.set_families((info,))
    assert panel.selected_family() == "toy" and not panel._message.isVisible()


def test_dropped_folder_fills_the_dataset_panel(window, qtbot, folder):
    panel = window.dataset_panel
    with qtbot.waitSignal(panel.dataset_loaded, timeout=TIMEOUT_MS) as loaded:
        drop(window, folder)
    dataset = loaded.args[0]
    assert len(dataset) == 3 and panel.dataset is dataset
    assert dataset.images.shape == (3, 16, 16, 3)
    assert "3 images" in panel.summary_label.text()
    assert panel.image_grid.count() == 3 and not panel.image_grid.pixmap().isNull()
    table = panel.skipped_table
    assert table.rowCount() == 1 and not table.isHidden()
    assert table.item(0, 0).text() == "bad.png"
    assert "empty" in table.item(0, 1).text()
    assert "Skipped files (1)" in panel.skipped_heading.text()
    assert not panel.message_frame.isVisible() and not panel.progress_bar.isVisible()
    assert "3 images" in window.statusBar().currentMessage()


def test_demo_button_loads_the_demo(window, qtbot):
    panel = window.dataset_panel
    with qtbot.waitSignal(panel.dataset_loaded, timeout=TIMEOUT_MS) as loaded:
        qtbot.mouseClick(panel.demo_buttons["shapes"], Qt.MouseButton.LeftButton)
        assert panel.loading and panel.source == "demo:shapes"
    dataset = loaded.args[0]
    assert len(dataset) == 2000 and dataset.report.labels == ("circle", "square", "star", "triangle")
    assert "circle (500)" in panel.labels_label.text()
    assert "2,000 of 2,000" in panel.captions_label.text()
    assert panel.skipped_table.isHidden()
    assert panel.image_grid.count() == 64
    # The mosaic is drawn, not blank: pixel statistics, not a golden image.
    picture = panel.image_grid.grab().toImage()
    colours = {picture.pixel(x, y) for x in range(0, picture.width(), 7) for y in range(0, picture.height(), 7)}
    assert len(colours) > 20


def test_missing_folder_is_a_message(window, qtbot, tmp_path):
    panel = window.dataset_panel
    with qtbot.waitSignal(panel.load_failed, timeout=TIMEOUT_MS) as failed:
        drop(window, tmp_path / "no-such-folder")
    assert "does not exist" in failed.args[0]
    assert panel.message_frame.isVisible() and "does not exist" in panel.message_label.text()
    assert "Traceback" not in panel.message_label.text()
    assert panel.dataset is None


def test_a_newer_load_cancels_the_older(window, qtbot, folder):
    panel = window.dataset_panel
    results = []
    panel.dataset_loaded.connect(results.append)
    panel.load("demo:digits")
    first = panel.jobs()[0]
    with qtbot.waitSignal(panel.dataset_loaded, timeout=TIMEOUT_MS):
        panel.load(str(folder))
    assert first.cancelled
    qtbot.waitUntil(lambda: not first.running, timeout=TIMEOUT_MS)
    assert [len(d) for d in results] == [3]


def test_closing_while_loading_stops_the_thread(qtbot):
    create_app()
    win = MainWindow(image_size=16, measure_speed=False, open_last_dataset=False)
    qtbot.addWidget(win)
    win.show()
    win.dataset_panel.load("demo:faces")
    assert any(job.running for job in win.jobs())
    win.close()
    assert not any(job.running for job in win.jobs())


def test_interactive_widgets_are_named(window):
    kinds = (QPushButton, FamilyCard, QTableWidget, QScrollArea, QProgressBar, ImageGrid, QComboBox, QSpinBox,
             QDoubleSpinBox, QSlider, QListWidget, QToolButton)
    widgets = [w for w in window.findChildren(QWidget) if isinstance(w, kinds)]
    widgets = [w for w in widgets if not w.objectName().startswith("qt_")]
    # Explore and Gallery name their own widgets (and test it in their own tests).
    panels = [p for p in (window.explore_panel, window.gallery_panel) if p is not None]
    widgets = [w for w in widgets if not any(p.isAncestorOf(w) for p in panels)]
    assert widgets
    for widget in widgets:
        assert widget.objectName(), widget
        assert widget.accessibleName(), widget.objectName()


# --- workers and image grid ---------------------------------------------------------------------


def test_generator_job_yields_returns_and_cancels(qtbot):
    closed = threading.Event()

    def count(n):
        try:
            for i in range(n):
                yield i
            return "done"
        finally:
            closed.set()

    def slow_count():
        tick = threading.Event()
        try:
            for i in range(10**9):
                tick.wait(0.01)                   # a yield every 10 ms, on the worker thread
                yield i
        finally:
            closed.set()

    seen = []
    job = Job(count, 5)
    job.yielded.connect(seen.append)
    with qtbot.waitSignal(job.succeeded, timeout=TIMEOUT_MS) as returned:
        job.start()
    assert returned.args == ["done"] and seen == [0, 1, 2, 3, 4]

    closed.clear()
    slow = Job(slow_count)
    with qtbot.waitSignal(slow.yielded, timeout=TIMEOUT_MS):
        slow.start()
    assert slow.stop(5) and closed.is_set()       # cancel reaches a running generator, and closes it


def test_function_job_reports_progress_and_errors(qtbot):
    def work(progress, cancel):
        progress(1, 2)
        raise ValueError("broken")

    job = Job(work, controls=True)
    progress = []
    job.progressed.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(job.failed, timeout=TIMEOUT_MS) as failed:
        job.start()
    assert isinstance(failed.args[0], ValueError) and progress == [(1, 2)]
    assert job.wait(5)


def test_mosaic_and_qimage():
    gray = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4, 1)
    tiled = mosaic(gray, columns=2, gap=1)
    assert tiled.shape == (4, 9, 4)
    assert (tiled[:, 4, 3] == 0).all()                       # the gap is transparent
    assert (tiled[:, :4, 0] == gray[0, ..., 0]).all() and (tiled[:, :4, 3] == 255).all()
    rgb = np.zeros((6, 10, 3), np.uint8)
    rgb[..., 0] = 200
    view = rgb[:, ::2]                                       # strided: not C-contiguous
    image = to_qimage(view)
    assert (image.width(), image.height()) == (5, 6)
    assert image.pixelColor(4, 5).red() == 200
    assert to_qimage(gray[0]).format() == image.Format.Format_Grayscale8
    with pytest.raises(ValueError):
        mosaic(np.zeros((2, 4, 4, 2), np.uint8))


def test_shortcuts_work_from_every_page_and_the_layout_persists(window, qtbot):
    assert window.train_action.shortcut() == QKeySequence("Ctrl+T")
    assert window.stop_action.shortcut() == QKeySequence("Ctrl+.")
    if window.explore_panel is not None:
        assert window.explore_panel.generate_action.shortcut() == QKeySequence("Ctrl+G")
        assert window.explore_panel.generate_action.shortcutContext() == Qt.ShortcutContext.WindowShortcut
        assert window.gallery_panel.export_action.shortcut() == QKeySequence("Ctrl+E")
    window.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Space)                 # Space = train: no dataset yet, so it says why
    assert "Load a dataset first" in window.training_panel.message_label.text()
    window.show_step(2)
    window.training_panel.apply_preset("balanced")
    window.close()
    again = MainWindow(image_size=16, measure_speed=False, open_last_dataset=False)
    qtbot.addWidget(again)
    assert again.steps.currentRow() == 2 and again.pages.currentIndex() == 2
    assert again.training_panel.preset_buttons["balanced"].isChecked()
    qtbot.waitUntil(lambda: again.family_panel.loaded, timeout=TIMEOUT_MS)
    again.close()


def test_first_launch_opens_the_shapes_demo(qtbot):
    create_app()
    win = MainWindow(measure_speed=False)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.dataset_panel.dataset_loaded, timeout=TIMEOUT_MS) as loaded:
        win.show()
    assert win.dataset_panel.source == "demo:shapes" and loaded.args[0].images.shape[1] == 32
    qtbot.waitUntil(lambda: win.family_panel.loaded, timeout=TIMEOUT_MS)
    win.close()


def test_the_window_modules_do_not_import_torch():
    """The window appears before torch loads (torch takes seconds): no UI module imports it at import time."""
    import subprocess
    import sys
    code = ("import sys, studio.ui.app, studio.ui.main_window, studio.ui.selftest; "
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
