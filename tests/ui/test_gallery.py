"""The gallery offscreen: items and selection, PNG export whose metadata reads back, free names instead of
overwriting, a grid, GIF/APNG animations with every frame, and a clear error naming the file."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QPushButton

from studio.engine.export import read_image_parameters, read_png_parameters
from studio.ui.panels.gallery import GalleryItem, GalleryPanel

TIMEOUT_MS = 10_000


@pytest.fixture(autouse=True)
def no_thread_left():
    yield
    assert QThreadPool.globalInstance().waitForDone(3000), "a background job outlived its test"


def item(seed: int, frames: int = 0) -> GalleryItem:
    image = np.full((8, 8, 3), (seed * 30) % 256, np.uint8)
    params = {"family": "vae", "seed": seed, "prompt": "", "options": {"temperature": 1.0}, "width": 8, "height": 8}
    return GalleryItem(image=image, provenance=params,
                       frames=tuple(np.full((8, 8, 3), 25 * k, np.uint8) for k in range(frames)))


@pytest.fixture
def gallery(qtbot):
    panel = GalleryPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    panel.add_items([item(1), item(2, frames=6), item(3)])
    yield panel
    assert panel.stop(10)


def test_items_selection_and_buttons(gallery):
    assert len(gallery.items()) == 3 and gallery._list.count() == 3
    assert not gallery._animation_button.isEnabled() and gallery._export_button.isEnabled()
    gallery.select([1])
    assert gallery.selected_items() == [gallery.items()[1]] and gallery._animation_button.isEnabled()
    gallery.select([0, 2])
    gallery._remove_button.click()
    assert [i.params["seed"] for i in gallery.items()] == [2]
    for button in gallery.findChildren(QPushButton):
        assert button.objectName() and button.accessibleName() and button.toolTip()
    assert gallery.export_action.shortcut().toString() == "Ctrl+E"


def test_export_selected_reads_back_and_never_overwrites(gallery, qtbot, tmp_path):
    (tmp_path / "image-1.png").write_bytes(b"the user's file")
    gallery.select([0, 2])
    gallery.ask_folder = lambda: tmp_path
    with qtbot.waitSignal(gallery.exported, timeout=TIMEOUT_MS) as signal:
        qtbot.keyClick(gallery._list, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    paths = signal.args[0]
    assert [p.name for p in paths] == ["image-1-2.png", "image-3.png"]
    assert (tmp_path / "image-1.png").read_bytes() == b"the user's file"
    for path, source in zip(paths, [gallery.items()[0], gallery.items()[2]]):
        assert read_png_parameters(path) == source.params
        np.testing.assert_array_equal(np.asarray(Image.open(path)), source.image)
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_all_when_nothing_is_selected_and_a_grid(gallery, qtbot, tmp_path):
    with qtbot.waitSignal(gallery.exported, timeout=TIMEOUT_MS) as signal:
        gallery.export_images(gallery.items(), tmp_path)
    assert len(signal.args[0]) == 3
    gallery.ask_save_path = lambda title, suggested, filters: tmp_path / "grid"
    with qtbot.waitSignal(gallery.exported, timeout=TIMEOUT_MS) as signal:
        gallery._grid_button.click()
    (grid,) = signal.args[0]
    assert grid.name == "grid.png"
    params = read_png_parameters(grid)
    assert params["grid"] == 3 and [p["seed"] for p in params["images"]] == [1, 2, 3]
    assert Image.open(grid).size == (2 * 10 + 2, 2 * 10 + 2)       # 2x2 cells of 8 px, 2 px padding


@pytest.mark.parametrize("name,fmt", [("denoise.gif", "GIF"), ("denoise.png", "PNG")])
def test_animation_has_the_right_frame_count(gallery, qtbot, tmp_path, name, fmt):
    gallery.select([1])
    gallery.ask_save_path = lambda title, suggested, filters: tmp_path / name
    with qtbot.waitSignal(gallery.exported, timeout=TIMEOUT_MS) as signal:
        gallery._animation_button.click()
    (path,) = signal.args[0]
    with Image.open(path) as im:
        assert im.format == fmt and im.n_frames == 6
    if fmt == "PNG":
        assert read_png_parameters(path)["frames"] == 6 and read_png_parameters(path)["seed"] == 2


def test_a_failed_export_names_the_file_and_the_reason(gallery, qtbot, tmp_path):
    errors = []
    gallery.show_error = lambda title, message: errors.append(message)
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    gallery.export_images(gallery.items()[:1], blocker)
    qtbot.waitUntil(lambda: bool(errors), timeout=TIMEOUT_MS)
    assert errors[0].startswith(str(blocker)) and "not a folder" in errors[0]
    assert blocker.read_bytes() == b""
    errors.clear()
    small = GalleryItem(image=np.zeros((4, 4, 3), np.uint8), provenance={"seed": 9})
    gallery.export_grid([gallery.items()[0], small], tmp_path / "grid.png")
    qtbot.waitUntil(lambda: bool(errors), timeout=TIMEOUT_MS)
    assert errors[0].startswith(str(tmp_path / "grid.png")) and "one size" in errors[0]
    assert not (tmp_path / "grid.png").exists()


def test_animation_frame_rate_size_and_a_sequence_of_images(gallery, qtbot, tmp_path):
    gallery.select([0])
    assert not gallery._animation_button.isEnabled()        # one image with no frames: nothing to animate
    gallery.select([0, 2])
    assert gallery._animation_button.isEnabled()
    gallery.fps_box.setValue(25)
    gallery.scale_box.setValue(3)
    gallery.ask_save_path = lambda title, suggested, filters: tmp_path / "walk.apng"
    with qtbot.waitSignal(gallery.exported, timeout=TIMEOUT_MS) as signal:
        gallery._animation_button.click()
    (path,) = signal.args[0]
    with Image.open(path) as im:
        assert im.n_frames == 2 and im.size == (24, 24) and im.info["duration"] == pytest.approx(40, abs=1)
    params = read_png_parameters(path)
    assert params["fps"] == 25 and [p["seed"] for p in params["images"]] == [1, 3]


def test_a_contact_sheet_with_captions(gallery, qtbot, tmp_path):
    long_prompt = "a prompt far too long to fit under a small picture " * 4
    gallery.add_items([GalleryItem(image=np.zeros((8, 8, 3), np.uint8),
                                   provenance={"seed": 4, "prompt": long_prompt, "model": "my-run", "steps": 20,
                                               "sampler": "ddim"})])
    gallery.ask_save_path = lambda title, suggested, filters: tmp_path / "sheet"
    with qtbot.waitSignal(gallery.exported, timeout=TIMEOUT_MS) as signal:
        gallery._sheet_button.click()
    (path,) = signal.args[0]
    params = read_png_parameters(path)
    assert path.name == "sheet.png" and params["kind"] == "contact_sheet" and params["sheet"] == 4
    assert params["captions"][0] == "seed 1" and params["captions"][3] == f"{long_prompt}\nseed 4\n20 steps, ddim"
    assert params["title"].startswith("genstudio · my-run · vae · 4 images · ")
    with Image.open(path) as im:
        assert im.size[0] > 2 * 128


@pytest.mark.parametrize("suffix", ["jpg", "webp"])
def test_images_export_as_jpeg_or_webp_with_their_parameters(gallery, qtbot, tmp_path, suffix):
    gallery.format_box.setCurrentIndex(gallery.format_box.findData(suffix))
    with qtbot.waitSignal(gallery.exported, timeout=TIMEOUT_MS) as signal:
        gallery.export_images(gallery.items()[:2], tmp_path)     # the format chosen beside Export
    paths = signal.args[0]
    assert [p.suffix for p in paths] == [f".{suffix}"] * 2
    for path, source in zip(paths, gallery.items()):
        with Image.open(path) as im:
            assert im.format == {"jpg": "JPEG", "webp": "WEBP"}[suffix]
        assert read_image_parameters(path) == source.params
