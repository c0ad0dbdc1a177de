"""A slow dataset load on the CLI prints its progress with the time left (issue 28, part 5)."""
from __future__ import annotations

import io

import studio.engine
from studio import cli


def test_a_slow_load_prints_counts_and_the_time_left(monkeypatch):
    clock = [50.0]
    monkeypatch.setattr(cli.time, "monotonic", lambda: clock[0])

    def slow_load(source, *, size, channels, progress):
        for done, seconds in ((0, 0.0), (1_000, 1.0), (4_000, 3.0), (50_000, 40.0)):
            clock[0] = 50.0 + seconds
            progress(done, 50_000)
        return "dataset"

    monkeypatch.setattr(studio.engine, "load_dataset", slow_load)
    err = io.StringIO()                       # not a terminal: a line every 2 s and the last one
    assert cli._load_dataset("/photos", 32, None, err) == "dataset"
    lines = err.getvalue().splitlines()
    assert lines[0].endswith("loading /photos: 0/50,000 images")
    assert lines[1].endswith("loading /photos: 4,000/50,000 images, about 34s left")     # 4,000 in 3 s
    assert lines[-1].startswith("[####") and lines[-1].endswith("50,000/50,000 images")
