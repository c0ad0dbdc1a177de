"""studio.engine.sheets: contact sheets (a caption under each image, a title, long text elided, PNG with
metadata) and the training-curve chart."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.engine.export import read_png_parameters
from studio.engine.sheets import ELLIPSIS, contact_sheet, elide, save_contact_sheet, sheet_font, training_curve


def images(n, size=16):
    return [np.full((size, size, 3), (40 * k) % 256, np.uint8) for k in range(n)]


def test_elide_fits_the_width():
    font = sheet_font(13)
    assert elide("short", font, 200) == "short"
    long = "a prompt " * 40
    cut = elide(long, font, 120)
    assert cut.endswith(ELLIPSIS) and font.getlength(cut) <= 120 and long.startswith(cut[:-1].rstrip())
    assert elide("two\nlines", font, 500) == "two lines"
    assert font.getlength(elide("x" * 50, font, 3)) <= 3


def test_layout_and_captions_stay_in_their_cells():
    caption = "seed 7 · " + "a very long prompt that cannot fit under one small picture " * 3
    sheet = contact_sheet(images(5), [caption] * 5, "A title", columns=3, min_cell=64)
    assert sheet.dtype == np.uint8 and sheet.shape[2] == 3
    pad, cell = 10, 64                                     # 16-px images enlarged 4x
    assert sheet.shape[1] == pad + 3 * (cell + pad)
    for col in range(3):                                   # the padding between cells stays white: no overflow
        gap = pad + col * (cell + pad) + cell
        assert (sheet[:, gap + 1:gap + pad - 1] == 255).all()
    title_rows = sheet[:30, pad:]
    assert (title_rows < 128).any()                        # the title is drawn


def test_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        contact_sheet([], [])
    with pytest.raises(ValueError, match="captions"):
        contact_sheet(images(2), ["one"])


def test_saved_sheet_carries_metadata_and_mixed_channels(tmp_path):
    gray = np.zeros((8, 8, 1), np.uint8)
    path = save_contact_sheet(tmp_path / "sheet.png", [gray, images(1, size=8)[0]], ["seed 1", "seed 2\nred"],
                              "Run x", {"family": "vae"})
    params = read_png_parameters(path)
    assert params["kind"] == "contact_sheet" and params["captions"] == ["seed 1", "seed 2\nred"]
    assert params["title"] == "Run x" and params["family"] == "vae"
    with Image.open(path) as im:
        assert im.mode == "RGB" and im.width >= 2 * 128


def test_training_curve():
    metrics = [{"kind": "train", "step": s, "loss": 1.0 / s, "kl": 5.0} for s in range(1, 200)]
    metrics += [{"kind": "val", "step": s, "loss": 1.2 / s} for s in range(10, 200, 10)]
    chart = training_curve(metrics, size=(320, 200))
    assert chart.shape == (200, 320, 3)
    blue, orange = (31, 119, 180), (255, 127, 14)           # the training and the validation curve are drawn
    assert (chart == blue).all(axis=2).sum() > 100 and (chart == orange).all(axis=2).sum() > 100
    empty = training_curve([], size=(320, 200))
    assert (empty != 255).any(axis=2).sum() > 0           # a frame and "no training history"
