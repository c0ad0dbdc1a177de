"""The Data step while a folder loads: a progress bar with counts and time left, Cancel, and the previous
dataset kept (issue 28, part 5). The engine's decoding is held at a gate so each state can be looked at."""
from __future__ import annotations

import threading

import pytest
from PIL import Image
from PySide6.QtCore import QCoreApplication

from studio.engine import data
from studio.engine.data import MACOS_METADATA, SkippedFile

TIMEOUT_MS = 20_000


@pytest.fixture
def gate(monkeypatch):
    """Decoding waits until gate.set() (or 20 s): a load that stays in progress as long as a test needs."""
    opened = threading.Event()
    decode = data._decode_outcome

    def held(*args):
        opened.wait(20)
        return decode(*args)

    monkeypatch.setattr(data, "_decode_outcome", held)
    yield opened
    opened.set()


def pictures(folder, n):
    folder.mkdir()
    for i in range(n):
        Image.new("RGB", (12, 12), (i * 9 % 256, 60, 200)).save(folder / f"{i:03d}.png")
    return folder


@pytest.fixture
def panel(qtbot):
    from studio.ui.panels.dataset import DatasetPanel

    widget = DatasetPanel(image_size=8)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    yield widget
    assert widget.stop(10)


def test_progress_shows_counts_and_ends_in_the_dataset(panel, qtbot, tmp_path, gate):
    folder = pictures(tmp_path / "many", 30)
    counts = []
    panel.load(str(folder))
    panel._job.progressed.connect(lambda done, total: counts.append((done, total)))
    qtbot.waitUntil(lambda: panel.progress_bar.maximum() == 30, timeout=TIMEOUT_MS)
    assert panel.progress_bar.isVisible() and panel.cancel_button.isVisible() and panel.loading
    assert "0 of 30" in panel.progress_label.text()
    with qtbot.waitSignal(panel.dataset_loaded, timeout=TIMEOUT_MS) as loaded:
        gate.set()
    assert len(loaded.args[0]) == 30 and counts[0][1] == 30 and counts[-1] == (30, 30)
    assert not panel.progress_bar.isVisible() and not panel.loading


def test_time_left_is_shown_once_the_rate_is_known(panel, monkeypatch):
    import studio.ui.panels.dataset as module

    clock = [100.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: clock[0])
    panel.source = "/photos"
    panel._rate_start = None
    panel._on_job_progressed(0, 500)
    clock[0] += 1.0
    panel._on_job_progressed(20, 500)
    assert "left" not in panel.progress_label.text()          # one second: too soon to say
    clock[0] += 3.0
    panel._on_job_progressed(80, 500)                          # 80 in 4 s: 420 more take 21 s
    assert panel.progress_label.text() == "Loading '/photos'… 80 of 500, about 21 s left"
    clock[0] += 100.0
    panel._on_job_progressed(100, 500)
    assert panel.progress_label.text().endswith("about 7 min left")      # 100 in 104 s: 400 more take 416 s


def test_cancel_keeps_the_previous_dataset(make_window, qtbot, tmp_path, gate):
    window = make_window()
    panel = window.dataset_panel
    gate.set()
    with qtbot.waitSignal(panel.dataset_loaded, timeout=TIMEOUT_MS) as first:
        panel.load(str(pictures(tmp_path / "first", 3)))
    previous = first.args[0]
    gate.clear()
    panel.load(str(pictures(tmp_path / "second", 40)))
    job = panel._job
    qtbot.waitUntil(lambda: panel.progress_bar.maximum() == 40, timeout=TIMEOUT_MS)
    assert window.training_panel._dataset is None              # nothing trains on a set being replaced
    loaded = []
    panel.dataset_loaded.connect(loaded.append)
    with qtbot.waitSignal(panel.load_cancelled, timeout=TIMEOUT_MS):
        panel.cancel_button.click()
    gate.set()
    qtbot.waitUntil(lambda: not job.running, timeout=TIMEOUT_MS)
    assert job.cancelled and not panel.loading and not panel.progress_bar.isVisible()
    assert panel.dataset is previous and window.training_panel._dataset is previous
    assert "3 images" in panel.summary_label.text() and not panel.message_frame.isVisible()
    assert "cancelled" in window.statusBar().currentMessage().lower()
    QCoreApplication.processEvents()                           # a late answer from the cancelled job changes nothing
    assert loaded == [] and panel.dataset is previous
    window.close()


def test_a_long_skipped_list_is_cut_short(panel):
    skipped = tuple(SkippedFile(f"__MACOSX/._{i:05d}.png", MACOS_METADATA) for i in range(2500))
    panel._show_skipped(skipped)
    table = panel.skipped_table
    assert table.rowCount() == 1001 and "2,500" in panel.skipped_heading.text()
    assert table.item(1000, 0).text() == "… and 1,500 more"
