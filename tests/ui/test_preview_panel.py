"""The preview panel and the loss plot on their own, fed plain frames and numbers (no engine)."""
from __future__ import annotations

import numpy as np
import pytest

from studio.engine.families.base import Frame
from studio.ui.app import create_app
from studio.ui.panels.preview import MAX_STRIP, PreviewPanel, pick_strip
from studio.ui.widgets.loss_plot import LossPlot

TIMEOUT_MS = 10_000


def images(value: int, n: int = 4, size: int = 8) -> np.ndarray:
    return np.full((n, size, size, 3), value, np.uint8)


def denoising(steps: int, start: int = 0) -> list[Frame]:
    """What a diffusion preview yields: one frame per step, noisy → clean, with the predicted clean image."""
    return [Frame(images(start + i), step=i + 1, total=steps, label=f"step {i + 1}/{steps}",
                  extras={"x0": images(200)}) for i in range(steps)]


@pytest.fixture
def panel(qtbot):
    create_app()
    widget = PreviewPanel()
    qtbot.addWidget(widget)
    widget.resize(600, 500)
    widget.show()
    return widget


def test_progressive_preview_draws_a_throttled_strip(panel, qtbot):
    frames = denoising(40)
    for frame in frames:
        panel.add_frame(100, frame)
    qtbot.waitUntil(lambda: panel.redraws >= 1, timeout=TIMEOUT_MS)
    assert panel.redraws < 5                             # 40 frames, drawn at most ~10 times a second
    [entry] = panel.entries()
    assert entry.step == 100 and entry.frame is frames[-1]
    assert len(entry.strip) == MAX_STRIP and entry.strip[0] is frames[0] and entry.strip[-1] is frames[-1]
    assert not panel.strip.isHidden() and panel.strip.count() == 2 * MAX_STRIP    # x_t row and x0 row
    assert "Step 100" in panel.caption.text()


def test_extras_are_labelled_rows_and_the_timeline_scrubs_back(panel, qtbot):
    for step in (10, 20, 30):
        frame = Frame(images(step), label="reconstructions and samples",
                      extras={"input": images(1), "reconstruction": images(2)})
        panel.add_frame(step, frame)
    qtbot.waitUntil(lambda: panel.redraws >= 1, timeout=TIMEOUT_MS)
    assert [e.step for e in panel.entries()] == [10, 20, 30]
    assert panel.following_live and panel.timeline.isEnabled()
    headings = {label.text() for label, grid in panel._sections.values() if not grid.isHidden()}
    assert {"Inputs", "Reconstructions", "Samples"} <= headings
    assert panel.strip.isHidden()                        # one frame per preview: no strip

    panel.show_entry(0)
    assert "Step 10" in panel.caption.text() and not panel.following_live
    assert "1 / 3 · step 10" in panel.timeline_label.text()
    shown = panel.redraws
    panel.add_frame(40, Frame(images(40)))               # scrubbed back: the new preview waits in the timeline
    assert panel.timeline.value() == 0 and len(panel.entries()) == 4
    assert panel.redraws == shown
    panel.show_entry(3)
    assert panel.following_live and "Step 40" in panel.caption.text()
    panel.clear()
    assert panel.entries() == [] and not panel.timeline.isEnabled()


def test_pick_strip_spreads_evenly():
    frames = list(range(100))
    assert pick_strip(frames, 5) == [0, 25, 50, 74, 99]
    assert pick_strip(frames[:3], 5) == [0, 1, 2]


def test_loss_plot_smooths_training_and_keeps_validation_points(qtbot):
    create_app()
    plot = LossPlot(smoothing=0.5)
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    plot.add_training(1, {"loss": 4.0, "kl": 1.0})
    plot.add_training(2, {"loss": 2.0, "kl": float("nan")})      # a non-finite value is left out
    plot.add_validation(2, {"loss": 3.5})
    steps, values = plot.smoothed("loss")
    assert steps.tolist() == [1, 2]
    assert values[0] == pytest.approx(4.0)                       # bias-corrected: the first point is the value
    assert values[1] == pytest.approx((0.5 * 0.5 * 4 + 0.5 * 2) / 0.75)
    assert plot.smoothed("kl")[0].tolist() == [1]
    assert plot.validation("loss")[1].tolist() == [3.5]
    assert plot.keys() == ["loss", "kl"]
    qtbot.waitUntil(lambda: sorted(plot._charts) == ["kl", "loss"], timeout=TIMEOUT_MS)   # one chart per key,
    assert plot.redraws >= 2                                                          # one new chart per redraw

    def colours() -> int:
        picture = plot.grab().toImage()
        return len({picture.pixel(x, y) for x in range(0, picture.width(), 5) for y in range(0, picture.height(), 5)})

    qtbot.waitUntil(lambda: colours() > 3, timeout=TIMEOUT_MS)   # curves and axes are drawn
    plot.clear()
    assert plot.keys() == [] and plot.smoothed("loss")[0].size == 0
