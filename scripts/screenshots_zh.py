"""Offscreen screenshots of the app in Simplified Chinese: Data, Model, Train and Explore steps.

    .venv/bin/python scripts/screenshots_zh.py [--out screenshots/zh] [--steps 300] [--docs]

Needs a CJK font for the shots to show characters (e.g. `apt-get install fonts-noto-cjk`); the app
itself does not depend on one. Uses scripts/screenshots.py's camera and helpers (a throwaway
GENSTUDIO_HOME). --docs saves the Train shot as docs/screenshot-zh.png.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import screenshots as shots  # noqa: E402  (sets QT_QPA_PLATFORM and a throwaway GENSTUDIO_HOME)
from PIL import Image  # noqa: E402

from studio.ui import i18n  # noqa: E402
from studio.ui.app import create_app  # noqa: E402
from studio.ui.main_window import DATA, EXPLORE, MODEL, TRAIN, MainWindow  # noqa: E402


def session(app, out: Path, args) -> None:
    window = MainWindow(open_last_dataset=False)
    window.resize(1280, 820)
    window.show()
    camera = shots.Camera(app, window, out)
    shots.wait_until(lambda: window.family_panel.loaded)
    window.family_panel.select_family(args.family)
    shots.load(window, "demo:shapes")
    shots.wait_until(lambda: window.dataset_panel.estimate_label.text().startswith(("在 ", "无法")))
    camera.shoot("data", DATA)
    camera.shoot("model", MODEL)
    shots.train(camera, args.family, args.steps, "zh")
    camera.shoot("train", TRAIN)
    if window.explore_panel is not None:
        shots.wait_until(lambda: window.explore_panel.family() is not None)
        window.show_step(EXPLORE)
        job = window.explore_panel.generate()
        shots.wait_until(lambda: job is None or not job.running)
        shots.settle(1.0)
        camera.shoot("explore", EXPLORE)
    window.confirm_close_during_training = lambda: True
    window.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=shots.ROOT / "screenshots" / "zh")
    parser.add_argument("--family", default="vae")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--docs", action="store_true", help="save the Train shot as docs/screenshot-zh.png")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = create_app([])
    app.setStyle("Fusion")
    i18n.install_translators("zh_CN")
    session(app, args.out, args)
    if args.docs:
        image = Image.open(args.out / "light-train.png").convert("RGB")
        image.save(shots.ROOT / "docs" / "screenshot-zh.png", optimize=True)      # ~200 KB
    return 0


if __name__ == "__main__":
    sys.exit(main())
