"""Fixtures shared by the window tests."""
import pytest

WINDOW_TIMEOUT_MS = 60_000


@pytest.fixture
def make_window(qtbot):
    """Open a MainWindow at 16 px (no dataset remembered from earlier runs) once the families are listed."""
    from studio.ui.app import create_app
    from studio.ui.main_window import MainWindow

    def make(**options):
        create_app()
        win = MainWindow(**{"image_size": 16, "measure_speed": False, "open_last_dataset": False, **options})
        qtbot.addWidget(win)
        win.show()
        qtbot.waitUntil(lambda: win.family_panel.loaded, timeout=WINDOW_TIMEOUT_MS)
        return win

    return make


@pytest.fixture
def training_window(make_window, qtbot):
    """A window ready to train: the VAE at its tiny preset on 16 px demo shapes, batch 16, a length in steps far
    beyond any test (each stops it by hand); closed without questions afterwards, with no job left running."""
    win = make_window()
    win.family_panel.select_family("vae")
    with qtbot.waitSignal(win.dataset_panel.dataset_loaded, timeout=WINDOW_TIMEOUT_MS):
        win.dataset_panel.load("demo:shapes")
    panel = win.training_panel
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("tiny"))
    panel.batch_spin.setValue(16)
    panel.unit_combo.setCurrentIndex(panel.unit_combo.findData("steps"))
    panel.length_spin.setValue(100_000)
    yield win
    win.confirm_close_during_training = lambda: True
    win.confirm_close_unsaved = lambda: True
    win.close()
    assert not any(job.running for job in win.jobs())


@pytest.fixture(autouse=True)
def no_modal_error_dialog(monkeypatch):
    """An Explore error dialog is modal: in a test it would wait forever for a click. A test that expects one
    replaces `show_error` on its panel; anywhere else it fails the test with the dialog's text."""
    from studio.ui.panels.explore.panel import ExplorePanel

    def fail(self, title, message):
        pytest.fail(f"error dialog: {title}: {message}")

    monkeypatch.setattr(ExplorePanel, "show_error", fail)
