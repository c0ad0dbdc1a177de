"""studio.engine.gallery: exporting the gallery's images (files, grid, animation, sequence, contact sheet) and
keeping them in their run's gallery/ folder — named in the order added, read back, deleted only when ours."""
from __future__ import annotations

import logging
from datetime import datetime

import numpy as np
import pytest
from PIL import Image

from studio.engine.export import read_image_parameters, save_image
from studio.engine.gallery import (
    GALLERY_FOLDER, GALLERY_KEY, KEPT_NAME, ExportError, GalleryItem, forget_kept, gallery_folder, keep_items,
    kept_names, read_kept, read_kept_item, write_animation, write_contact_sheet, write_grid, write_images,
    write_sequence,
)

WHEN = datetime(2025, 1, 2, 3, 4, 5, 678901)


def item(seed, size=8, channels=3, run=None, frames=2) -> GalleryItem:
    """Random pixels; its frames fade in to it (each one different, so no animation merges two)."""
    image = np.random.default_rng(abs(seed)).integers(0, 256, size=(size, size, channels), dtype=np.uint8)
    params = {"family": "vae", "seed": seed, "prompt": "", **({"run": str(run)} if run else {})}
    return GalleryItem(image=image, provenance=params,
                       frames=tuple((image * ((k + 1) / frames)).astype(np.uint8) for k in range(frames)))


def pixels(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im)


# -- exporting -------------------------------------------------------------------------------------
def test_images_are_named_by_seed_carry_their_parameters_and_never_overwrite(tmp_path):
    items = [item(1), item(2), GalleryItem(np.zeros((8, 8, 3), np.uint8), {"seed": "x"})]
    first = write_images(items, tmp_path)
    again = write_images(items[:1], tmp_path)

    assert [p.name for p in first] == ["image-1.png", "image-2.png", "image-0003.png"]
    assert [p.name for p in again] == ["image-1-2.png"]
    assert read_image_parameters(first[1]) == items[1].params
    assert np.array_equal(pixels(first[0]), items[0].image)


def test_images_export_as_jpeg_into_a_new_folder(tmp_path):
    [path] = write_images([item(5)], tmp_path / "new", stem="pick", suffix="jpg")
    assert path == tmp_path / "new" / "pick-5.jpg"
    assert read_image_parameters(path)["seed"] == 5


def test_exporting_into_a_file_says_it_is_not_a_folder(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ExportError) as caught:
        write_images([item(1)], blocker)
    assert caught.value.message.id == "gallery.not_a_folder"
    assert str(caught.value) == f"{blocker}: this is a file, not a folder; choose a folder to export into"


def test_a_grid_lists_each_images_parameters_and_needs_one_size(tmp_path):
    [path] = write_grid([item(1), item(2)], tmp_path / "grid.png")
    params = read_image_parameters(path)
    assert params["grid"] == 2 and [p["seed"] for p in params["images"]] == [1, 2]

    with pytest.raises(ExportError) as caught:
        write_grid([item(1), item(2, size=16), item(3, channels=1)], tmp_path / "mixed.png")
    assert (caught.value.message.id, caught.value.message.args["count"]) == ("gallery.grid_sizes", 3)
    assert str(caught.value).endswith("a grid needs images of one size, these have 3 sizes")
    assert not (tmp_path / "mixed.png").exists()


def test_an_animation_plays_the_frames_or_the_image_alone(tmp_path):
    [path] = write_animation(item(1, frames=3), tmp_path / "steps.gif", fps=5, scale=2)
    with Image.open(path) as im:
        assert (im.n_frames, im.size) == (3, (16, 16))
    [path] = write_animation(item(1, frames=3), tmp_path / "steps.png", fps=5)
    assert read_image_parameters(path) == {**item(1).params, "frames": 3, "fps": 5}

    [still] = write_animation(item(2, frames=0), tmp_path / "still.png")
    with Image.open(still) as im:
        assert getattr(im, "n_frames", 1) == 1


def test_a_sequence_plays_the_images_in_order_and_needs_one_size(tmp_path):
    [path] = write_sequence([item(1), item(2), item(3)], tmp_path / "walk.png", fps=4)
    with Image.open(path) as im:
        assert im.n_frames == 3
    params = read_image_parameters(path)
    assert (params["animation"], params["frames"], params["fps"]) == ("sequence", 3, 4)
    assert [p["seed"] for p in params["images"]] == [1, 2, 3]

    with pytest.raises(ExportError) as caught:
        write_sequence([item(1), item(2, size=16)], tmp_path / "mixed.gif")
    assert caught.value.message.id == "gallery.animation_sizes"


def test_a_contact_sheet_carries_every_images_parameters(tmp_path):
    [path] = write_contact_sheet([item(1), item(2)], tmp_path / "sheet.png", ["one", "two"], "a title")
    params = read_image_parameters(path)
    assert params["sheet"] == 2 and [p["seed"] for p in params["images"]] == [1, 2]


def test_a_failed_write_names_the_file_and_the_systems_reason(tmp_path):
    (tmp_path / "a-file").write_text("")
    path = tmp_path / "a-file" / "grid.png"
    with pytest.raises(ExportError) as caught:
        write_grid([item(1)], path)
    message = caught.value.message
    assert (message.id, message.args["path"]) == ("gallery.write_failed", path)
    reason = message.args["reason"]                             # "File exists" on Linux: mkdir meets the file
    assert str(caught.value) == f"{path}: {reason}"
    assert reason.id.startswith("os.")                          # a Message: the UI translates it in turn


def test_a_write_the_format_refuses_is_an_export_error_too(tmp_path):
    with pytest.raises(ExportError) as caught:
        write_grid([item(1)], tmp_path / "grid.bmp")
    assert str(caught.value).startswith(f"{tmp_path / 'grid.bmp'}: ") and ".bmp" in str(caught.value)


# -- keeping ---------------------------------------------------------------------------------------
def test_a_kept_image_goes_to_its_runs_gallery_folder(tmp_path):
    assert gallery_folder({"run": str(tmp_path / "run")}) == tmp_path / "run" / GALLERY_FOLDER
    assert gallery_folder({"run": ""}) is None and gallery_folder({"seed": 1}) is None


def test_kept_names_sort_in_the_order_added_and_name_the_seed():
    items = [item(3), GalleryItem(np.zeros((8, 8, 3), np.uint8), {"seed": True}), item(-1)] + [item(1)] * 10
    names = kept_names(items, WHEN)
    assert names[:3] == ["20250102-030405-678901-000-seed-3.png", "20250102-030405-678901-001.png",
                         "20250102-030405-678901-002.png"]
    assert sorted(names) == names and all(KEPT_NAME.match(n) for n in names)


def test_kept_images_come_back_in_order_with_their_parameters(tmp_path):
    folder = tmp_path / "run" / GALLERY_FOLDER
    (tmp_path / "run").mkdir()
    items = [item(2, run=tmp_path / "run"), item(1, channels=1, run=tmp_path / "run")]
    names = kept_names(items, WHEN)
    returned, written, problem = keep_items(items, [folder / n for n in names])

    assert returned is items and problem is None and [p.name for p in written] == names
    assert read_image_parameters(written[0])[GALLERY_KEY] == names[0]
    same_folder, kept = read_kept(folder)
    assert same_folder == folder and [path for _, path in kept] == written
    for (back, _), made in zip(kept, items):
        assert back.params == made.params and np.array_equal(back.image, made.image) and back.frames == ()


def test_keeping_never_writes_over_a_file_already_there(tmp_path):
    folder = tmp_path / GALLERY_FOLDER
    folder.mkdir()
    [name] = kept_names([item(1)], WHEN)
    (folder / name).write_bytes(b"someone else's")
    _, [written], _ = keep_items([item(1)], [folder / name])
    assert written.name != name and KEPT_NAME.match(written.name)
    assert (folder / name).read_bytes() == b"someone else's"
    assert read_kept_item(written).params == item(1).params


def test_keeping_stops_at_a_folder_that_cannot_be_made(tmp_path):
    (tmp_path / GALLERY_FOLDER).write_bytes(b"")                # in the way
    gone = tmp_path / "deleted-run" / GALLERY_FOLDER             # a run deleted since: not made again
    for folder in (tmp_path / GALLERY_FOLDER, gone):
        _, written, problem = keep_items([item(1), item(2)], [folder / n for n in kept_names([item(1), item(2)], WHEN)])
        assert written == [] and problem[0] == str(folder) and problem[1]
    assert not gone.parent.exists()


def test_files_the_gallery_did_not_write_are_skipped_with_a_log_line_and_never_deleted(tmp_path, caplog):
    folder = tmp_path / GALLERY_FOLDER
    folder.mkdir()
    _, [mine], _ = keep_items([item(1)], [folder / kept_names([item(1)], WHEN)[0]])
    foreign = {
        "20250101-000000-000000-000-seed-7.png": lambda p: save_image(p, item(7).image, item(7).params),  # no marker
        "20250101-000000-000000-001.png": lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n broken"),          # corrupt
        "image-3.png": lambda p: save_image(p, item(3).image, {GALLERY_KEY: p.name}),                    # not our name
        "notes.txt": lambda p: p.write_text("mine"),
    }
    for name, write in foreign.items():
        write(folder / name)
    (folder / "sub").mkdir()
    (folder / ".20250101.png.123.tmp").write_bytes(b"half")      # a write under way elsewhere: ignored quietly

    with caplog.at_level(logging.WARNING, logger="studio.engine.gallery"):
        _, kept = read_kept(folder)
    assert [path for _, path in kept] == [mine]
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == len(foreign)

    assert forget_kept([folder / name for name in foreign]) == []
    assert all((folder / name).exists() for name in foreign)
    assert forget_kept([mine]) == [mine] and not mine.exists()


def test_a_missing_gallery_folder_holds_nothing(tmp_path):
    assert read_kept(tmp_path / "nowhere") == (tmp_path / "nowhere", [])
