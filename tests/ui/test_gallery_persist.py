"""The gallery keeps its images in their run's `gallery/` folder: written in the background (temporary file +
rename) with their parameters, brought back in order when the run opens again (also after closing the
window), deleted on Remove only when the gallery wrote them; junk in the folder is skipped with a log line,
and a folder that cannot be written leaves the images in memory with one message."""
from __future__ import annotations

import logging

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QThreadPool

from studio.engine.export import read_image_parameters, save_image
from studio.engine.gallery import GALLERY_FOLDER, GALLERY_KEY, GalleryItem, forget_kept, read_kept
from studio.ui.panels.gallery import GalleryPanel
from uihelpers import train_tiny_vae

TIMEOUT_MS = 20_000


@pytest.fixture(autouse=True)
def no_thread_left():
    yield
    assert QThreadPool.globalInstance().waitForDone(5000), "a background job outlived its test"


def item(run, seed: int, channels: int = 3) -> GalleryItem:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, size=(8, 8, channels), dtype=np.uint8)
    params = {"family": "vae", "run": str(run), "seed": seed, "prompt": "", "options": {"temperature": 1.0},
              "width": 8, "height": 8}
    return GalleryItem(image=image, provenance=params, frames=(image, image))


def make_gallery(qtbot) -> GalleryPanel:
    panel = GalleryPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    return panel


def settle(qtbot, gallery) -> None:
    """Until every save, load and delete the gallery started has finished and been taken in."""
    qtbot.waitUntil(lambda: not gallery.jobs() and not gallery._writing and gallery._load_job is None,
                    timeout=TIMEOUT_MS)


def kept_files(run):
    return sorted(p.name for p in (run / GALLERY_FOLDER).iterdir())


def test_added_images_are_kept_and_come_back_in_order(qtbot, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    first = make_gallery(qtbot)
    added = [item(run, 5), item(run, 1), item(run, 3, channels=1)]
    first.add_items(added[:2])
    first.add_items(added[2:])                                  # a second batch, after the first
    settle(qtbot, first)
    names = kept_files(run)
    assert len(names) == 3 and not first._notice.isVisible()
    assert [first.kept_path(i).name for i in added] == names    # sorted by name = in the order added
    for source in added:
        path = first.kept_path(source)
        assert read_image_parameters(path) == {**source.params, GALLERY_KEY: path.name}
        assert str(path) in first._list.item(added.index(source)).toolTip()
    assert first.stop(10)

    second = make_gallery(qtbot)                                # the app again, later
    with qtbot.waitSignal(second.items_changed, timeout=TIMEOUT_MS) as signal:
        second.load_run(run)
    settle(qtbot, second)
    assert signal.args[0] == 3
    back = second.items()
    assert [i.params for i in back] == [i.params for i in added]
    for old, new in zip(added, back):
        np.testing.assert_array_equal(new.image, old.image)
        assert new.frames == ()                                 # frames are not kept on disk
    with qtbot.waitSignal(second.exported, timeout=TIMEOUT_MS) as signal:
        second.export_images(back[:1], tmp_path / "out")          # exports carry the original parameters
    assert read_image_parameters(signal.args[0][0]) == added[0].params
    second.load_run(run)                                        # opened again: nothing shown twice
    settle(qtbot, second)
    assert len(second.items()) == 3
    assert second.stop(10)


def test_remove_deletes_the_kept_file_even_one_still_being_written(qtbot, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    gallery = make_gallery(qtbot)
    gallery.add_items([item(run, 1), item(run, 2)])
    settle(qtbot, gallery)
    keep, drop = gallery.items()
    gallery.select([1])
    gallery._remove_button.click()
    settle(qtbot, gallery)
    assert kept_files(run) == [gallery.kept_path(keep).name]
    gallery.add_items([item(run, 3)])
    gallery.remove_rows([1])                                   # before its file is written
    assert gallery._dropped
    settle(qtbot, gallery)
    assert kept_files(run) == [gallery.kept_path(keep).name] and not gallery._dropped
    assert [i.params["seed"] for i in gallery.items()] == [1]


def test_files_the_gallery_did_not_write_are_skipped_and_never_deleted(qtbot, tmp_path, caplog):
    run = tmp_path / "run"
    run.mkdir()
    gallery = make_gallery(qtbot)
    gallery.add_items([item(run, 1)])
    settle(qtbot, gallery)
    folder = run / GALLERY_FOLDER
    mine = item(run, 2)
    foreign = {
        "20250101-000000-000000-000-seed-7.png": lambda p: save_image(p, mine.image, mine.params),   # no marker
        "20250101-000000-000000-001.png": lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n broken"),     # corrupt
        "20250101-000000-000000-002.png": lambda p: Image.new("RGBA", (8, 8)).save(                  # RGBA
            p, pnginfo=_marker_info(p.name)),
        "image-3.png": lambda p: save_image(p, mine.image, {**mine.params, GALLERY_KEY: p.name}),   # not our name
        "notes.txt": lambda p: p.write_text("mine"),
    }
    for name, write in foreign.items():
        write(folder / name)
    (folder / "sub").mkdir()
    (folder / ".20250101.png.123.tmp").write_bytes(b"half")      # a write under way elsewhere: ignored quietly
    with caplog.at_level(logging.WARNING, logger="studio.engine.gallery"):
        _, kept = read_kept(folder)
    assert [path.name for _, path in kept] == [gallery.kept_path(gallery.items()[0]).name]
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == len(foreign) and not any("Traceback" in s for s in skipped)
    assert forget_kept([folder / name for name in foreign]) == []
    assert all((folder / name).exists() for name in foreign)

    other = make_gallery(qtbot)                                # through the panel too: one image, no dialog
    other.load_run(run)
    settle(qtbot, other)
    assert len(other.items()) == 1
    other.select([0])
    other._remove_button.click()
    settle(qtbot, other)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*foreign, "sub", ".20250101.png.123.tmp"])


def _marker_info(name):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("genstudio", '{"%s": "%s", "seed": 1}' % (GALLERY_KEY, name))
    return info


def test_a_folder_that_cannot_be_written_keeps_the_images_in_memory_and_says_so_once(qtbot, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / GALLERY_FOLDER).write_bytes(b"")                     # in the way: the folder cannot be made
    gone = tmp_path / "deleted-run"                             # a run deleted since: not made again
    gallery = make_gallery(qtbot)
    messages = []
    gallery.message_changed.connect(messages.append)
    gallery.add_items([item(run, 1), item(run, 2)])
    settle(qtbot, gallery)
    gallery.add_items([item(run, 3)])
    settle(qtbot, gallery)
    assert len(messages) == 1 and str(run / GALLERY_FOLDER) in messages[0]
    assert gallery._notice.isVisible() and "genstudio closes" in gallery._notice.text()
    assert len(gallery.items()) == 3 and all(gallery.kept_path(i) is None for i in gallery.items())
    assert "Not kept" in gallery._list.item(0).toolTip()
    gallery.add_items([item(gone, 4)])
    settle(qtbot, gallery)
    assert not gone.exists() and len(messages) == 2
    with qtbot.waitSignal(gallery.exported, timeout=TIMEOUT_MS):
        gallery.export_images(gallery.items(), tmp_path / "out")   # the images still export
    assert (run / GALLERY_FOLDER).read_bytes() == b""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return train_tiny_vae(tmp_path_factory.mktemp("gallery-persist") / "run", 16)


def test_the_gallery_comes_back_when_the_run_opens_after_a_restart(make_window, qtbot, run_dir, tmp_path):
    win = make_window()
    win.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    win.open_run(str(run_dir))
    explore, gallery = win.explore_panel, win.gallery_panel
    qtbot.waitUntil(lambda: explore.family() is not None, timeout=TIMEOUT_MS)
    explore._count.setValue(4)
    explore._seed.setValue(11)
    with qtbot.waitSignal(explore.images_generated, timeout=TIMEOUT_MS) as signal:
        explore.generate()
    made = signal.args[0]
    assert len(gallery.items()) == 4 and gallery.jobs()        # the saves have not even begun: a Job
    win.close()                                                 # reaches the pool from a timer; close does them
    assert len(kept_files(run_dir)) == 4

    again = make_window()
    again.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    assert not again.gallery_panel.items()
    again.open_run(str(run_dir))
    qtbot.waitUntil(lambda: len(again.gallery_panel.items()) == 4, timeout=TIMEOUT_MS)
    back = again.gallery_panel.items()
    assert [i.params["seed"] for i in back] == [11, 12, 13, 14]
    assert [i.params for i in back] == [i.params for i in made]
    np.testing.assert_array_equal(np.stack([i.image for i in back]), np.stack([i.image for i in made]))
    assert again.steps.item(4).toolTip() == "4 images"                 # the rail says so
    again.gallery_panel.grab().save(str(tmp_path / "gallery-after-restart.png"))
    again.close()
