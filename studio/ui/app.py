"""The desktop app: QApplication, a qasync event loop, the main window.

torch is imported later, in a background job once the window is up (see
main_window.read_families), so the window appears fast.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
import threading
from pathlib import Path

import qasync
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from studio.ui import platform_check
from studio.ui.i18n import install as install_translators

APP_NAME = "genstudio"
DESKTOP_FILE_NAME = "io.github.genstudio.GenStudio"    # the .desktop entry: Wayland shows its icon


def resources_dir() -> Path:
    """resources/ (icons, .desktop, metainfo): beside the package in a source checkout, inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) / "resources" if bundle else Path(__file__).resolve().parents[2] / "resources"


def app_icon() -> QIcon:
    """The window icon: the hicolor PNG sizes from resources/, else the installed icon theme's."""
    icon = QIcon()
    for png in (resources_dir() / "icons" / "hicolor").glob(f"*/apps/{DESKTOP_FILE_NAME}.png"):
        icon.addFile(str(png))
    return icon if not icon.isNull() else QIcon.fromTheme(DESKTOP_FILE_NAME)


def ui_settings() -> QSettings:
    """Window and UI state (QSettings holds nothing else). Under GENSTUDIO_HOME (tests,
    portable installs) an INI file there, else the platform's usual place."""
    home = os.environ.get("GENSTUDIO_HOME")
    if home:
        return QSettings(str(Path(home).expanduser() / "genstudio.ini"), QSettings.Format.IniFormat)
    return QSettings(APP_NAME, APP_NAME)


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication, named for QSettings and the desktop; reuses one that already exists (tests)."""
    QApplication.setApplicationName(APP_NAME)
    QApplication.setOrganizationName(APP_NAME)
    QGuiApplication.setDesktopFileName(DESKTOP_FILE_NAME)
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else APP_NAME, *(argv or [])])
    from studio import __version__

    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    return app


def main(argv: list[str] | None = None, *, platform_checked: bool = False) -> int:
    """Run the desktop app; `argv` are the arguments after the program name (Qt options such as -platform).
    `genstudio` (studio/__main__.py) checks the platform plugin before this module imports QtGui and says so
    with `platform_checked`; any other caller gets the check here."""
    multiprocessing.freeze_support()
    problem = None if platform_checked else platform_check.check_platform(argv=sys.argv[1:] if argv is None else argv)
    if problem is not None:      # Qt would abort with a core dump: say what to install instead
        print(platform_check.explain(problem), file=sys.stderr)
        return 2
    app = create_app(sys.argv[1:] if argv is None else argv)
    install_translators(ui_settings(), sys.argv[1:] if argv is None else argv)    # studio/ui/i18n.py
    from studio.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    _close_on_interrupt(window)
    _warm_precision_probe()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_forever()


def _warm_precision_probe() -> None:
    """The first plan on a CPU with native bf16 times it once (~0.5 s, then kept on disk): measured in a thread
    while the window opens, so no click waits for it."""
    from studio.engine import cpu_bf16_probe

    threading.Thread(target=cpu_bf16_probe, name="bf16-probe", daemon=True).start()


def _close_on_interrupt(window) -> None:
    """Ctrl-C in the terminal closes the window the normal way (its jobs stop, its state is saved)."""
    signal.signal(signal.SIGINT, lambda *_: window.close())
    # Python only sees the signal when it runs: wake it up now and then.
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)


if __name__ == "__main__":
    sys.exit(main())
