"""Animations as the gallery and the preview write them: the chosen frame rate and enlargement read back."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.engine.export import save_animation


def frames(n=4, size=8):
    return [np.full((size, size, 3), 50 * k, np.uint8) for k in range(n)]


@pytest.mark.parametrize("name", ["a.gif", "a.apng"])
@pytest.mark.parametrize("fps", [4, 25])
def test_the_chosen_frame_rate_and_scale(tmp_path, name, fps):
    path = save_animation(tmp_path / name, frames(4), {"seed": 1}, fps=fps, scale=3)
    with Image.open(path) as im:
        assert im.n_frames == 4 and im.size == (24, 24)
        assert im.info["duration"] == pytest.approx(1000 / fps, abs=1)
        im.seek(3)
        assert im.info["duration"] == pytest.approx(1000 / fps + 1000, abs=1)     # the result is held longer


def test_a_frame_rate_out_of_range_is_refused(tmp_path):
    for fps in (0, -1, 1000):
        with pytest.raises(ValueError, match="frames a second"):
            save_animation(tmp_path / "a.gif", frames(2), fps=fps)
    assert not list(tmp_path.iterdir())
