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
