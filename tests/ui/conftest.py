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


@pytest.fixture(autouse=True)
def no_modal_error_dialog(monkeypatch):
    """An Explore error dialog is modal: in a test it would wait forever for a click. A test that expects one
    replaces `show_error` on its panel; anywhere else it fails the test with the dialog's text."""
    from studio.ui.panels.explore.panel import ExplorePanel

    def fail(self, title, message):
        pytest.fail(f"error dialog: {title}: {message}")

    monkeypatch.setattr(ExplorePanel, "show_error", fail)
