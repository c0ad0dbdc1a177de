"""The preview panel's "Save animation": the shown preview's sampling and the whole timeline as GIF/APNG,
with the chosen frame rate and every frame, written in the background; a failure names the file."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.engine.export import read_png_parameters
from studio.engine.families.base import Frame
from studio.ui.app import create_app
from studio.ui.panels.preview import ANIMATED_ENTRIES, ANIMATION_FRAMES, PreviewPanel

TIMEOUT_MS = 10_000


def denoising(steps: int, n: int = 2, start: int = 0) -> list[Frame]:
    """Distinct frames (Pillow merges identical consecutive frames of an animation into one longer frame)."""
    return [Frame(np.full((n, 8, 8, 3), start + 5 * i, np.uint8), step=i + 1, total=steps,
                  extras={"x0": np.full((n, 8, 8, 3), 200, np.uint8)}) for i in range(steps)]


@pytest.fixture
def panel(qtbot):
    create_app()
    widget = PreviewPanel()
    qtbot.addWidget(widget)
    widget.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    yield widget
    assert all(job.wait(10) for job in widget.jobs())


def test_nothing_to_animate_yet(panel):
    assert not panel.animation_button.isEnabled()
    panel.add_frame(1, Frame(np.zeros((2, 8, 8, 3), np.uint8)))
    assert not panel.animation_button.isEnabled()          # one single-frame preview: nothing moves


@pytest.mark.parametrize("name,fmt", [("sampling.gif", "GIF"), ("sampling.apng", "PNG")])
def test_the_sampling_of_the_shown_preview(panel, qtbot, tmp_path, name, fmt):
    for step in (100, 200):
        for frame in denoising(50):
            panel.add_frame(step, frame)
    assert panel.animation_button.isEnabled() and panel.sampling_animation_action.isEnabled()
    panel.fps_box.setValue(20)
    panel.ask_save_path = lambda suggested: tmp_path / name
    panel.show_entry(0)
    with qtbot.waitSignal(panel.animation_saved, timeout=TIMEOUT_MS) as signal:
        panel.animation_button.click()              # the button itself saves the shown sampling (its arrow: more)
    with Image.open(signal.args[0]) as im:
        assert im.format == fmt and im.n_frames == ANIMATION_FRAMES
        assert im.info["duration"] == pytest.approx(50, abs=1)
        assert im.width >= 256                              # the small grid is enlarged
    if fmt == "PNG":
        params = read_png_parameters(signal.args[0])
        assert params["step"] == 100 and params["fps"] == 20 and params["frames"] == ANIMATION_FRAMES


def test_the_whole_timeline_and_memory_of_old_previews(panel, qtbot, tmp_path):
    for step in range(1, ANIMATED_ENTRIES + 3):
        for frame in denoising(12, start=step):
            panel.add_frame(step, frame)
    entries = panel.entries()
    assert not entries[0].frames and len(entries[0].strip) == 10 and len(entries[-1].frames) == 12
    panel.ask_save_path = lambda suggested: tmp_path / "timeline.gif"
    with qtbot.waitSignal(panel.animation_saved, timeout=TIMEOUT_MS) as signal:
        panel.timeline_animation_action.trigger()
    with Image.open(signal.args[0]) as im:
        assert im.n_frames == len(entries)


def test_a_failure_names_the_file(panel, qtbot, tmp_path):
    for step in (1, 2):
        panel.add_frame(step, Frame(np.full((2, 8, 8, 3), 9 * step, np.uint8)))
    errors = []
    panel.show_error = lambda title, message: errors.append(message)
    target = tmp_path / "missing-folder" / "x.jpg"
    panel.ask_save_path = lambda suggested: target
    panel.timeline_animation_action.trigger()
    qtbot.waitUntil(lambda: bool(errors), timeout=TIMEOUT_MS)
    assert "x.jpg" in errors[0] and ".gif" in errors[0]
