"""Save offscreen screenshots of the main window into screenshots/ (gitignored).

    .venv/bin/python scripts/screenshots.py [--out screenshots]

Shots, each in a light and a dark palette: the empty window, a load under way, the shapes demo
loaded, the digits demo (grayscale), a folder with files the doctor skipped,
and a dataset that cannot be used. Settings go to a throwaway GENSTUDIO_HOME;
demo sets are drawn in (or reused from) the usual cache.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studio import paths  # noqa: E402

os.environ.setdefault("GENSTUDIO_CACHE", str(paths.cache_dir()))   # before HOME moves it
_home = tempfile.TemporaryDirectory(prefix="genstudio-shots-")
os.environ["GENSTUDIO_HOME"] = _home.name

from PIL import Image  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEventLoop  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402

from studio.ui.app import create_app  # noqa: E402
from studio.ui.main_window import MainWindow  # noqa: E402


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2d31", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1f22", QPalette.ColorRole.AlternateBase: "#26282c",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#35373c",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d7be0",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#35373c",
        QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.PlaceholderText: "#9a9ca3",
        QPalette.ColorRole.Mid: "#55585f", QPalette.ColorRole.Dark: "#18191b",
        QPalette.ColorRole.Light: "#4a4d53", QPalette.ColorRole.Midlight: "#3f4247",
        QPalette.ColorRole.Shadow: "#000000", QPalette.ColorRole.Link: "#6ea2ff",
        QPalette.ColorRole.BrightText: "#ff6b6b",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#77797f"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#77797f"))
    return p


def wait_until(predicate, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def messy_folder(root: Path) -> Path:
    """A small folder with labels, captions and files the doctor has to skip."""
    folder = root / "messy"
    for label, colour in (("cats", (200, 120, 60)), ("dogs", (90, 110, 200))):
        (folder / label).mkdir(parents=True)
        for i in range(6):
            shade = tuple(min(255, c + 12 * i) for c in colour)
            Image.new("RGB", (40 + 4 * i, 40), shade).save(folder / label / f"{label}-{i}.png")
            (folder / label / f"{label}-{i}.txt").write_text(f"a {label[:-1]} number {i}")
    (folder / "cats" / "empty.png").write_bytes(b"")
    (folder / "dogs" / "notes.jpg").write_text("this is not a picture")
    (folder / "__MACOSX").mkdir()
    (folder / "__MACOSX" / "._cats-0.png").write_bytes(b"\0" * 10)
    return folder


def shoot(window: MainWindow, out: Path, name: str) -> None:
    QCoreApplication.processEvents()
    path = out / f"{name}.png"
    window.grab().save(str(path))
    print(path)


def session(app, out: Path, theme: str, work: Path) -> None:
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    wait_until(lambda: window.family_panel.loaded)
    shoot(window, out, f"{theme}-empty")
    panel = window.dataset_panel
    panel.load("demo:faces")
    shoot(window, out, f"{theme}-loading")          # the progress row, before the first count
    wait_until(lambda: not panel.loading)
    for source, name in (("demo:shapes", "shapes"), ("demo:digits", "digits"), (str(messy_folder(work / theme)), "skipped")):
        panel.load(source)
        wait_until(lambda: not panel.loading)
        shoot(window, out, f"{theme}-{name}")
    panel.load(str(work / "no-such-folder"))
    wait_until(lambda: not panel.loading)
    shoot(window, out, f"{theme}-error")
    window.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = create_app([])
    app.setStyle("Fusion")            # the same look on every machine, and it follows the palette
    light = app.style().standardPalette()
    with tempfile.TemporaryDirectory() as work:
        for theme, palette in (("light", light), ("dark", dark_palette())):
            app.setPalette(palette)
            session(app, args.out, theme, Path(work))
    _home.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
