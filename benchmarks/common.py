"""What several benchmark scripts share (they run as `python benchmarks/NAME.py`, so this imports as `common`)."""
from __future__ import annotations

import time
import types
from contextlib import contextmanager
from pathlib import Path


def cpu_name() -> str:
    """The CPU's model name, for the figures' headings."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def drain(gen):
    """Run a generator to its end (progress events dropped); its return value."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


class _CPUClock(types.ModuleType):
    """The `time` module with monotonic() reading this process's CPU time."""

    def __init__(self):
        super().__init__("time")

    def __getattr__(self, name):
        return getattr(time, name)

    @staticmethod
    def monotonic() -> float:
        return time.process_time()


@contextmanager
def cpu_minutes():
    """Within it, a Trainer's `minutes` (and its event and checkpoint intervals) count this process's CPU time, not
    wall time: a budget such as "5 CPU-minutes" then means the same work on a loaded machine."""
    from studio.engine.training import trainer as trainer_module

    real = trainer_module.time
    trainer_module.time = _CPUClock()
    try:
        yield
    finally:
        trainer_module.time = real


def train_for_cpu_minutes(trainer, on_event=None) -> float:
    """Run a Trainer to its end under `cpu_minutes()`, each event handed to `on_event`; the CPU seconds it took."""
    started = time.process_time()
    with cpu_minutes():
        for event in trainer.run():
            if on_event is not None:
                on_event(event)
    return time.process_time() - started


def labelled(picture, text: str, scale: int = 3, gap_text: int = 18):
    """A (H, W, C) uint8 picture enlarged `scale` times (nearest) under a line of text, on white: a panel of a grid
    figure (PIL Image)."""
    from PIL import Image, ImageDraw

    image = Image.fromarray(picture.squeeze(-1) if picture.shape[-1] == 1 else picture).convert("RGB")
    image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    out = Image.new("RGB", (max(image.width, 6 * len(text) + 8), image.height + gap_text), "white")
    out.paste(image, (0, gap_text))
    ImageDraw.Draw(out).text((4, 3), text, fill="black")
    return out


def side_by_side(panels: list, gap: int = 8):
    """Panels (PIL Images) in a row on white, `gap` pixels apart, top-aligned."""
    from PIL import Image

    width, height = sum(p.width for p in panels) + gap * (len(panels) - 1), max(p.height for p in panels)
    out = Image.new("RGB", (width, height), "white")
    x = 0
    for panel in panels:
        out.paste(panel, (x, 0))
        x += panel.width + gap
    return out
