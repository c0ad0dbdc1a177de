"""Save offscreen screenshots of every step of the window into screenshots/ (gitignored), light and dark.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--steps 400] [--family vae] [--docs]

One session walks through the app the way a newcomer would and shoots each
page twice (light palette, then dark): the empty window, a load under way, the
shapes demo, a folder with files the doctor skipped, a dataset that cannot be
used, the family cards, training under way (previews, losses), paused,
Explore after training, the Gallery with generated images. With a second
family that samples step by step (a `progressive` capability, e.g. diffusion)
it adds its denoising strip. --docs copies the best shot to docs/screenshot.png.
Settings and runs go to a throwaway GENSTUDIO_HOME; demo sets are drawn in
(or reused from) the usual cache.
"""
from __future__ import annotations

import argparse
import os
import shutil
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
from studio.ui.main_window import DATA, EXPLORE, GALLERY, MODEL, TRAIN, MainWindow  # noqa: E402


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
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#77797f"))
    return p


def wait_until(predicate, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def settle(seconds: float = 0.3) -> None:
    """Let throttled redraws (previews, loss plot) happen."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


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


class Camera:
    """Shoots the window in the light and the dark palette."""

    def __init__(self, app, window: MainWindow, out: Path):
        self.app, self.window, self.out = app, window, out
        self.light = app.style().standardPalette()
        self.dark = dark_palette()

    def shoot(self, name: str, step: int | None = None) -> None:
        if step is not None:
            self.window.show_step(step)
        for theme, palette in (("light", self.light), ("dark", self.dark)):
            self.app.setPalette(palette)
            settle(0.4)
            path = self.out / f"{theme}-{name}.png"
            self.window.grab().save(str(path))
            print(path, flush=True)
        self.app.setPalette(self.light)


def load(window: MainWindow, source: str) -> None:
    window.dataset_panel.load(source)
    wait_until(lambda: not window.dataset_panel.loading)


def train(camera: Camera, family: str, steps: int, name: str, extra_previews: int = 6) -> None:
    window = camera.window
    panel = window.training_panel
    window.family_panel.select_family(family)
    panel.apply_preset("quick")
    panel.unit_combo.setCurrentIndex(panel.unit_combo.findData("steps"))
    panel.length_spin.setValue(steps)
    panel.batch_spin.setValue(32)
    wait_until(lambda: panel.readiness() is None)
    panel.start_training()
    wait_until(lambda: panel.state == "running")
    previews = 0
    while panel.state != "idle":
        if panel.state == "running" and previews < extra_previews and panel.step >= (previews + 1) * steps // 6:
            panel.sample_now()
            previews += 1
        if panel.step >= steps * 2 // 3 and panel.state == "running" and name == "vae":
            settle(1.0)
            camera.shoot(f"train-{name}", TRAIN)
            panel.pause_training()
            wait_until(lambda: panel.state == "paused")
            settle(0.5)
            camera.shoot(f"paused-{name}", TRAIN)
            panel.resume_training()
            name = "done"
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    settle(1.0)


def session(app, out: Path, work: Path, args) -> None:
    window = MainWindow(open_last_dataset=False)
    window.resize(1280, 820)
    window.show()
    camera = Camera(app, window, out)
    wait_until(lambda: window.family_panel.loaded)
    camera.shoot("empty", DATA)
    window.dataset_panel.load("demo:faces")
    camera.shoot("loading", DATA)          # the progress row, before the first count
    wait_until(lambda: not window.dataset_panel.loading)
    load(window, str(messy_folder(work)))
    camera.shoot("skipped", DATA)
    load(window, str(work / "no-such-folder"))
    camera.shoot("error", DATA)
    window.family_panel.select_family(args.family)
    load(window, "demo:shapes")
    wait_until(lambda: "per 1000" in window.dataset_panel.estimate_label.text()
               or "Could not" in window.dataset_panel.estimate_label.text())
    camera.shoot("shapes", DATA)
    camera.shoot("families", MODEL)

    train(camera, args.family, args.steps, "vae")
    camera.shoot("trained", TRAIN)
    if window.explore_panel is not None:
        wait_until(lambda: window.explore_panel.family() is not None)
        window.show_step(EXPLORE)
        job = window.explore_panel.generate()
        wait_until(lambda: job is None or not job.running)
        settle(1.0)
        camera.shoot("explore", EXPLORE)
        camera.shoot("gallery", GALLERY)

    progressive = [c.info.name for c in window.family_panel.cards() if "progressive" in c.info.capabilities
                   and "prompt" in c.info.capabilities and c.info.name != args.family]
    if progressive and args.progressive_steps:
        window.training_panel.continue_run(None)
        train(camera, progressive[0], args.progressive_steps, progressive[0], extra_previews=0)
        camera.shoot(f"train-{progressive[0]}", TRAIN)
    window.confirm_close_during_training = lambda: True
    window.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--family", default="vae", help="the family trained for the main shots")
    parser.add_argument("--steps", type=int, default=400, help="training steps before the shots of training")
    parser.add_argument("--progressive-steps", type=int, default=20,
                        help="steps for a step-by-step family's denoising strip (0: skip)")
    parser.add_argument("--docs", action="store_true", help="copy light-trained.png to docs/screenshot.png")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = create_app([])
    app.setStyle("Fusion")            # the same look on every machine, and it follows the palette
    with tempfile.TemporaryDirectory() as work:
        session(app, args.out, Path(work), args)
    if args.docs:
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(args.out / "light-trained.png", ROOT / "docs" / "screenshot.png")
    _home.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
