"""Save offscreen screenshots of the Explore and Gallery panels, standalone, into screenshots/.

    .venv/bin/python scripts/explore_screenshots.py [--out screenshots] [--steps 150]

Trains a tiny VAE on the shapes demo (a throwaway run folder), then, in a light and a
dark palette: Explore with no model, Explore after Generate with a slider moved, the
Gallery holding those images with some selected, and Explore on an untrained tiny
diffusion model (prompt, negative prompt, sampler options, the live denoising strip).
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

os.environ.setdefault("GENSTUDIO_CACHE", str(paths.cache_dir()))   # demo sets: the usual cache
_home = tempfile.TemporaryDirectory(prefix="genstudio-explore-shots-")
os.environ["GENSTUDIO_HOME"] = _home.name

from PySide6.QtCore import QCoreApplication, QEventLoop  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402

from studio.ui.app import create_app  # noqa: E402


def dark_palette() -> QPalette:
    p = QPalette()
    for role, colour in {"Window": "#2b2d31", "WindowText": "#e6e6e6", "Base": "#1e1f22", "AlternateBase": "#26282c",
                         "Text": "#e6e6e6", "Button": "#35373c", "ButtonText": "#e6e6e6", "Highlight": "#3d7be0",
                         "HighlightedText": "#ffffff", "ToolTipBase": "#35373c", "ToolTipText": "#e6e6e6",
                         "PlaceholderText": "#9a9ca3", "Mid": "#55585f", "Dark": "#18191b", "Light": "#4a4d53",
                         "Midlight": "#3f4247", "Shadow": "#000000"}.items():
        p.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#77797f"))
    return p


def wait_until(predicate, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the panel did not get there in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def train_tiny_vae(run_dir: Path, steps: int):
    """A tiny VAE on the 32 px shapes demo, loaded back from its run folder."""
    from studio.engine.data import load_dataset
    from studio.engine.families.vae import VAEConfig
    from studio.engine.run import Run
    from studio.engine.training import TrainConfig, Trainer

    dataset = load_dataset("demo:shapes", size=32)
    config = TrainConfig(steps=steps, batch_size=32, lr=2e-3, warmup_steps=20, preview_seconds=0, validate_seconds=0)
    for _ in Trainer(dataset, run_dir, family="vae", family_config=VAEConfig.from_preset("tiny"), config=config).run():
        pass
    family, ckpt = Run.open(run_dir).load_family()
    return family, {"family": family.name, "model": run_dir.name, "run": str(run_dir), "checkpoint": str(ckpt.path),
                    "checkpoint_hash": "screenshot", "checkpoint_step": ckpt.step}


def untrained_diffusion():
    """A tiny diffusion model with random weights: enough to show the prompt controls and live frames."""
    from studio.engine.families.base import DataInfo, get_family

    cls = get_family("diffusion")
    vocabulary = ("small", "large", "red", "green", "blue", "circle", "square", "triangle")
    return cls(cls.Config.from_preset("tiny"), DataInfo(32, 3, vocabulary=vocabulary))


def prompt_session(out: Path, theme: str) -> None:
    from studio.ui.panels.explore import ExplorePanel

    explore = ExplorePanel()
    explore.resize(1100, 560)
    explore.show()
    explore.set_model(untrained_diffusion(), {"family": "diffusion", "model": "untrained"})
    explore._prompt.setText("small red circle")
    explore._negative.setText("blue")
    explore._option_widgets["steps"][1].setValue(40)
    explore._count.setValue(8)
    shown = []
    explore.frame_shown.connect(shown.append)
    explore.generate()
    wait_until(lambda: shown and shown[-1].step >= 12)
    shoot(explore, out, f"{theme}-panel-explore-denoising")
    wait_until(lambda: not explore.jobs())
    explore.close()


def shoot(widget, out: Path, name: str) -> None:
    QCoreApplication.processEvents()
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


def session(out: Path, theme: str, family, provenance) -> None:
    from studio.ui.panels.explore import ExplorePanel
    from studio.ui.panels.gallery import GalleryPanel

    explore, gallery = ExplorePanel(), GalleryPanel()
    explore.images_generated.connect(gallery.add_items)
    explore.resize(1100, 560)
    gallery.resize(800, 420)
    explore.show()
    gallery.show()
    shoot(explore, out, f"{theme}-panel-explore-empty")
    explore.set_model(family, provenance)
    explore._count.setValue(16)
    explore._seed.setValue(7)
    before = len(gallery.items())
    explore.generate()
    wait_until(lambda: len(gallery.items()) > before and not explore.jobs())
    slider = explore.sliders()[0]
    slider.setValue(900 if slider.value() < 500 else 100)
    wait_until(lambda: not explore.jobs() and explore._latent_pending is None)
    shoot(explore, out, f"{theme}-panel-explore")
    explore._add_latent.click()
    gallery.select([0, 3, 16])
    shoot(gallery, out, f"{theme}-panel-gallery")
    explore.stop()
    explore.close()
    gallery.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--steps", type=int, default=150, help="training steps of the tiny VAE")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = create_app([])
    app.setStyle("Fusion")
    light = app.style().standardPalette()
    with tempfile.TemporaryDirectory() as work:
        family, provenance = train_tiny_vae(Path(work) / "shapes-vae", args.steps)
        for theme, palette in (("light", light), ("dark", dark_palette())):
            app.setPalette(palette)
            session(args.out, theme, family, provenance)
            prompt_session(args.out, theme)
    _home.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
