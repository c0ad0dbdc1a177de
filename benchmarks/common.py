"""What several benchmark scripts share (they run as `python benchmarks/NAME.py`, so this imports as `common`)."""
from __future__ import annotations

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
