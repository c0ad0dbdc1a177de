"""studio.engine.archive: a run exported (zip or folder) imports whole and samples the same images, its
gallery images byte for byte; crafted archives (path traversal, links, pickles, huge declared sizes, zip
bombs, bad headers, gallery members that are not the PNGs the gallery keeps) are refused with a message
naming the archive and the reason, and leave nothing behind."""
from __future__ import annotations

import hashlib
import io
import json
import logging
import pickle
import shutil
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synthetic import synthetic_dataset, train_briefly
from studio.engine import archive as archive_module
from studio.engine.archive import (
    _PNG_SIGNATURE, CARD, CURVE, GALLERY, MANIFEST, SAMPLES, ArchiveError, export_run, import_run,
)
from studio.engine.export import png_bytes, read_image_parameters, read_png_parameters
from studio.engine.families.vae import VAEConfig
from studio.engine.run import Run


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny VAE trained a few steps, and its export as a zip."""
    root = tmp_path_factory.mktemp("archive")
    train_briefly(root / "run", synthetic_dataset(), "vae", VAEConfig.from_preset("tiny", latent_dim=4), 4)
    return root / "run", export_run(root / "run", root / "tiny-vae.zip")


def samples(run_path, seed=5):
    family, _ = Run.open(run_path).load_family()
    *_, last = family.sample(4, seed=seed)
    return last.images


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def write_zip(path, files: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def refused(source, runs, *needles):
    with pytest.raises(ArchiveError) as info:
        import_run(source, runs)
    message = str(info.value)
    assert message.startswith(str(source)) and "refused" in message, message
    for needle in needles:
        assert needle in message, message
    assert not runs.exists() or not any(runs.iterdir()), "a refused import left something in the runs folder"
    return message


# -- export, import, same images --------------------------------------------------------------------
def test_an_exported_zip_imports_and_samples_the_same_images(exported, tmp_path):
    run_path, archive = exported
    names = set(members(archive))
    assert {f"tiny-vae/{n}" for n in ("config.json", "metrics.jsonl", "checkpoints/last.safetensors",
                                      "checkpoints/last.json", CURVE, SAMPLES, MANIFEST, CARD)} == names
    imported = import_run(archive, tmp_path / "runs")
    assert imported == tmp_path / "runs" / "tiny-vae"
    np.testing.assert_array_equal(samples(imported), samples(run_path))
    original, copy = Run.open(run_path), Run.open(imported)
    assert copy.read_metrics() == original.read_metrics()
    assert copy.config["imported"]["from"] == "tiny-vae.zip"
    assert copy.config["dataset"]["source"] is None and copy.config["dataset"]["source_name"] == "synthetic"
    same = lambda config: {k: v for k, v in config.items() if k not in ("imported", "dataset")}   # noqa: E731
    assert same(copy.config) == same(original.config)
    assert not [p for p in (tmp_path / "runs").iterdir() if p.name.startswith(".")]     # no temp folder left


def test_a_folder_export_imports_and_never_replaces_a_run(exported, tmp_path):
    run_path, _ = exported
    folder = export_run(run_path, tmp_path / "as-folder", as_folder=True)
    assert (folder / "checkpoints" / "last.safetensors").is_file() and not list(tmp_path.glob(".*"))
    with pytest.raises(ArchiveError, match="already exists"):
        export_run(run_path, folder, as_folder=True)
    runs = tmp_path / "runs"
    (runs / "as-folder").mkdir(parents=True)
    (runs / "as-folder" / "mine.txt").write_text("the user's")
    first, second = import_run(folder, runs), import_run(folder, runs)
    assert (first.name, second.name) == ("as-folder-2", "as-folder-3")
    assert (runs / "as-folder" / "mine.txt").read_text() == "the user's"
    np.testing.assert_array_equal(samples(second), samples(run_path))


def test_the_export_does_not_say_where_the_dataset_lay(exported, tmp_path):
    run = Run.open(exported[0])
    original = run.config["dataset"]
    run.update_config(dataset={**original, "source": "/home/alice/private/cats",
                               "summary": "32 images\nfrom /home/alice/private/cats"})
    try:
        files = members(export_run(run.path, tmp_path / "shared.zip"))
    finally:
        run.update_config(dataset=original)
    assert not [name for name, data in files.items() if b"alice" in data]
    assert json.loads(files["shared/config.json"])["dataset"]["source_name"] == "cats"
    assert "from cats" in files["shared/README.md"].decode()


def test_the_model_card_and_its_pictures(exported, tmp_path):
    run_path, archive = exported
    files = members(archive)
    card = files["tiny-vae/README.md"].decode()
    parameters = Run.open(run_path).load_family()[0].parameter_count()
    for text in ("# tiny-vae", "`vae`", f"{parameters:,}", "| Training | 4 steps", "8×8 pixels",
                 "32 images", f"]({CURVE})", f"]({SAMPLES})", "loss "):
        assert text in card, text
    (tmp_path / "s.png").write_bytes(files["tiny-vae/samples.png"])
    grid = read_png_parameters(tmp_path / "s.png")
    assert grid["grid"] == 16 and grid["seed"] == 0 and grid["family"] == "vae"
    with Image.open(tmp_path / "s.png") as im:
        assert im.width > 8 * 16                                       # 8 columns, each enlarged
    manifest = json.loads(files[f"tiny-vae/{MANIFEST}"])
    assert manifest["facts"]["steps"] == 4 and manifest["facts"]["parameters"] == parameters


def test_without_a_sample_grid_and_with_progress(exported, tmp_path):
    seen = []
    path = export_run(exported[0], tmp_path / "quick.zip", samples=0, progress=lambda d, t: seen.append((d, t)))
    assert "quick/samples.png" not in members(path) and "No sample grid" in members(path)["quick/README.md"].decode()
    assert seen[0] == (0, 100) and seen[-1] == (100, 100) and seen == sorted(seen)
    assert Run.open(import_run(path, tmp_path / "runs")).latest_checkpoint() is not None
    with pytest.raises(ArchiveError, match="cancelled"):
        export_run(exported[0], tmp_path / "never.zip", cancel=lambda: True)
    assert not (tmp_path / "never.zip").exists() and not list(tmp_path.glob(".never*"))


def test_export_refuses_a_run_without_weights_and_an_existing_file(exported, tmp_path):
    run_path, archive = exported
    with pytest.raises(ArchiveError, match="already exists"):
        export_run(run_path, archive)
    empty = Run.create(tmp_path / "empty", family="vae", family_config=VAEConfig.from_preset("tiny").to_dict(),
                       train_config={}, data=Run.open(run_path).data_info, dataset={})
    with pytest.raises(ArchiveError, match="no checkpoint yet"):
        export_run(empty.path, tmp_path / "x.zip")


# -- crafted archives ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name,reason", [
    ("../evil.json", "outside the archive"),
    ("tiny-vae/../../evil.json", "outside the archive"),
    ("/etc/evil.json", "absolute path"),
    ("tiny-vae\\..\\evil.json", "backslash"),
    ("C:/evil.json", "names a drive"),
    ("tiny-vae/checkpoints/model.pt", "can run code"),
    ("tiny-vae/data.pkl", "can run code"),
    ("tiny-vae/run.sh", "can run code"),
    ("tiny-vae/notes.txt", "not a kind of file"),
    ("tiny-vae/samples/CON.png", "Windows"),
    ("tiny-vae/config.json:stream", "Windows"),
    ("tiny-vae/samples/a.png.", "Windows"),
])
def test_bad_member_names_and_kinds_are_refused(exported, tmp_path, name, reason):
    files = {**members(exported[1]), name: b"{}"}
    refused(write_zip(tmp_path / "bad.zip", files), tmp_path / "runs", reason, repr(name))


def test_pickle_content_is_refused_whatever_its_name(exported, tmp_path):
    files = members(exported[1])
    files["tiny-vae/metrics.jsonl"] = pickle.dumps({"step": 1})
    refused(write_zip(tmp_path / "bad.zip", files), tmp_path / "runs", "is a pickle", "metrics.jsonl")
    files = members(exported[1])
    files["tiny-vae/samples.png"] = b"PK\x03\x04" + b"\0" * 100          # a torch.save file is a zip
    refused(write_zip(tmp_path / "bad2.zip", files), tmp_path / "runs", "zip archive", "samples.png")


def test_a_symbolic_link_is_refused(exported, tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members(exported[1]).items():
            zf.writestr(name, data)
        link = zipfile.ZipInfo("tiny-vae/samples/link.png")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    refused(path, tmp_path / "runs", "symbolic link")


def test_a_huge_declared_size_is_refused_before_reading(exported, tmp_path):
    path = tmp_path / "huge.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members(exported[1]).items():
            zf.writestr(name, data)
        zf.writestr("tiny-vae/samples/huge.png", b"\x89PNG")
        zf.filelist[-1].file_size = 300 << 30          # the central directory now declares 300 GiB
    refused(path, tmp_path / "runs", "declares", "huge.png")


def test_a_zip_bomb_and_too_many_members_are_refused(exported, tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members(exported[1]).items():
            zf.writestr(name, data)
        zf.writestr("tiny-vae/metrics-2.jsonl", b"\0" * (4 << 20))     # 4 MiB of zeros deflate ~1000:1
    refused(path, tmp_path / "runs", "zip bomb")
    files = {**members(exported[1]), **{f"tiny-vae/samples/{i}.png": b"" for i in range(100)}}
    refused(write_zip(tmp_path / "many.zip", files), tmp_path / "runs", "members")


def test_a_bad_safetensors_header_and_a_damaged_member_are_refused(exported, tmp_path):
    files = members(exported[1])
    weights = files["tiny-vae/checkpoints/last.safetensors"]
    files["tiny-vae/checkpoints/last.safetensors"] = weights[:-4]             # cut short
    refused(write_zip(tmp_path / "short.zip", files), tmp_path / "runs", "not a valid safetensors file")
    files = members(exported[1])
    config = files["tiny-vae/config.json"]
    files["tiny-vae/config.json"] = config.replace(b'"vae"', b'"gan"')        # same size, other content
    refused(write_zip(tmp_path / "edited.zip", files), tmp_path / "runs", "damaged", "config.json")
    files = members(exported[1])
    files["tiny-vae/config.json"] = b"{not json" + b" " * (len(config) - 9)
    refused(write_zip(tmp_path / "nojson.zip", files), tmp_path / "runs", "not valid JSON")


def test_not_an_archive(tmp_path):
    (tmp_path / "a.zip").write_bytes(b"hello")
    with pytest.raises(ArchiveError, match="not a zip archive"):
        import_run(tmp_path / "a.zip", tmp_path / "runs")
    with pytest.raises(ArchiveError, match="no such file"):
        import_run(tmp_path / "missing.zip", tmp_path / "runs")
    refused(write_zip(tmp_path / "other.zip", {"x/readme.md": b"hi"}), tmp_path / "runs", "no config.json")


def test_the_cli_exports_and_imports(exported, tmp_path):
    import io

    from studio.cli import main
    out, err = io.StringIO(), io.StringIO()
    assert main(["export", str(exported[0]), "--out", str(tmp_path / "cli.zip"), "--samples", "0"], out, err) == 0
    assert "exporting" in err.getvalue()
    assert main(["import", str(tmp_path / "cli.zip"), "--runs", str(tmp_path / "runs")], out, err) == 0
    assert f"as {tmp_path / 'runs' / 'cli'}" in out.getvalue()
    files = {**members(tmp_path / "cli.zip"), "cli/../../escape.json": b"{}"}
    err = io.StringIO()
    assert main(["import", str(write_zip(tmp_path / "bad.zip", files))], out, err) == 2
    assert err.getvalue().startswith(f"genstudio: error: {tmp_path / 'bad.zip'}: refused") and "(..)" in err.getvalue()


def test_json_that_parses_but_is_not_data_we_read_is_refused(exported, tmp_path):
    files = members(exported[1])
    metrics = files["tiny-vae/metrics.jsonl"]
    files["tiny-vae/metrics.jsonl"] = b"5\n" + metrics                     # a line that is not an object
    refused(write_zip(tmp_path / "lines.zip", files), tmp_path / "runs", "not a JSON object")
    files["tiny-vae/metrics.jsonl"] = b'{"step": ' + b"9" * 5000 + b"}"  # Python refuses such integers
    refused(write_zip(tmp_path / "digits.zip", files), tmp_path / "runs", "not valid JSON")


def test_a_folder_with_a_link_is_refused(exported, tmp_path):
    folder = export_run(exported[0], tmp_path / "linked", as_folder=True)
    (folder / "samples").mkdir()
    (folder / "samples" / "secret.png").symlink_to("/etc/passwd")
    refused(folder, tmp_path / "runs", "symbolic link", "secret.png")


def test_a_newer_or_foreign_manifest_is_refused(exported, tmp_path):
    files = members(exported[1])
    manifest = json.loads(files[f"tiny-vae/{MANIFEST}"])
    files[f"tiny-vae/{MANIFEST}"] = json.dumps({**manifest, "version": 99}).encode()
    refused(write_zip(tmp_path / "newer.zip", files), tmp_path / "runs", "newer genstudio")
    files[f"tiny-vae/{MANIFEST}"] = json.dumps({**manifest, "format": "something.else"}).encode()
    refused(write_zip(tmp_path / "foreign.zip", files), tmp_path / "runs", "not a genstudio export manifest")


# -- the gallery ----------------------------------------------------------------------------------------
KEPT = ("20250101-120000-000001-000-seed-7.png", "20250101-120000-000001-001-seed-8.png",
        "20250102-090000-123456-000.png")


def gallery_image(name: str, seed: int, channels: int = 3) -> bytes:
    """A PNG as the gallery keeps it: its parameters embedded, its own name among them."""
    image = np.random.default_rng(seed).integers(0, 256, size=(8, 8, channels), dtype=np.uint8)
    return png_bytes(image, {"family": "vae", "seed": seed, "prompt": "", "gallery_file": name})


@pytest.fixture
def with_gallery(exported, tmp_path):
    """A copy of the trained run with three gallery images, and junk beside them that is not exported."""
    run = Path(shutil.copytree(exported[0], tmp_path / "gallery-run"))
    folder = run / GALLERY
    folder.mkdir()
    for seed, name in enumerate(KEPT):
        (folder / name).write_bytes(gallery_image(name, seed, channels=1 if seed == 2 else 3))
    (folder / "notes.txt").write_text("mine")                                    # not an image the gallery kept
    (folder / "holiday.png").write_bytes(gallery_image("holiday.png", 9))        # not a name the gallery gives
    (folder / "20250103-000000-000000-000.png").write_bytes(_PNG_SIGNATURE + b"broken")  # a broken one
    (folder / "20250104-000000-000000-000.png").symlink_to(folder / KEPT[0])     # a link (it could go anywhere)
    (folder / ".20250105-000000-000000-000.png.1.tmp").write_bytes(b"half")      # a save under way
    return run


def add_member(files: dict[str, bytes], name: str, data: bytes, top: str = "g") -> dict[str, bytes]:
    """The archive with one more member, listed in its manifest with the right size and sha256."""
    manifest = json.loads(files[f"{top}/{MANIFEST}"])
    relative = name.split("/", 1)[1]
    manifest["files"][relative] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return {**files, f"{top}/{MANIFEST}": json.dumps(manifest).encode(), name: data}


def test_the_gallery_images_go_out_and_come_back_byte_for_byte(with_gallery, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="studio.engine.archive"):
        archive = export_run(with_gallery, tmp_path / "g.zip", samples=0)
    names = list(members(archive))
    assert [n for n in names if "/gallery/" in n] == [f"g/gallery/{name}" for name in KEPT]   # in the order added
    assert names.index(f"g/{MANIFEST}") < names.index(f"g/gallery/{KEPT[0]}")          # found among the first names
    for junk in ("notes.txt", "holiday.png", "20250103-000000-000000-000.png", "20250104-000000-000000-000.png"):
        assert junk in caplog.text, junk                                                  # each left out, said why
    assert ".tmp" not in caplog.text
    files = members(archive)
    manifest = json.loads(files[f"g/{MANIFEST}"])
    assert manifest["facts"]["gallery"] == 3 and f"gallery/{KEPT[2]}" in manifest["files"]
    assert "`gallery/`: 3 images kept in genstudio's gallery" in files["g/README.md"].decode()

    imported = import_run(archive, tmp_path / "runs")
    for name in KEPT:
        assert (imported / GALLERY / name).read_bytes() == (with_gallery / GALLERY / name).read_bytes()
        assert read_image_parameters(imported / GALLERY / name)["gallery_file"] == name
    assert sorted(p.name for p in (imported / GALLERY).iterdir()) == sorted(KEPT)

    folder = export_run(with_gallery, tmp_path / "g-folder", as_folder=True, samples=0)    # a folder too
    assert sorted(p.name for p in (folder / GALLERY).iterdir()) == sorted(KEPT)
    assert sorted(p.name for p in (import_run(folder, tmp_path / "runs") / GALLERY).iterdir()) == sorted(KEPT)


def test_an_export_can_leave_the_gallery_out_and_keeps_the_newest_when_there_are_too_many(with_gallery, tmp_path,
                                                                                          monkeypatch):
    files = members(export_run(with_gallery, tmp_path / "none.zip", samples=0, gallery=False))
    assert not [n for n in files if "gallery" in n] and "gallery" not in files["none/README.md"].decode()
    assert json.loads(files[f"none/{MANIFEST}"])["facts"]["gallery"] == 0
    monkeypatch.setattr(archive_module, "MAX_GALLERY_IMAGES", 2)
    files = members(export_run(with_gallery, tmp_path / "newest.zip", samples=0))
    assert [n for n in files if "/gallery/" in n] == [f"newest/gallery/{name}" for name in KEPT[1:]]
    assert "the newest 2, 1 older ones were left out" in files["newest/README.md"].decode()
    assert import_run(tmp_path / "newest.zip", tmp_path / "runs").is_dir()


def test_a_gallery_image_that_changes_during_the_export_stops_it(with_gallery, tmp_path, monkeypatch):
    real = archive_module._gallery_members

    def then_changed(folder, done):
        kept = real(folder, done)
        (folder / KEPT[1]).write_bytes(gallery_image(KEPT[1], 99))              # the gallery saved over it
        return kept

    monkeypatch.setattr(archive_module, "_gallery_members", then_changed)
    with pytest.raises(ArchiveError, match=f"{KEPT[1]}: it changed while the run was exported"):
        export_run(with_gallery, tmp_path / "changed.zip", samples=0)
    assert not list(tmp_path.glob("*changed.zip*"))                           # nothing half-written is left


def broken_crc(data: bytes) -> bytes:
    return data[:-5] + bytes([data[-5] ^ 0xFF]) + data[-4:]                  # IEND's checksum


def huge_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels (its checksum right): a decompression bomb's start."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return _PNG_SIGNATURE + chunk + gallery_image("x", 0)[33:]


def rgba_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (8, 8)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("name,data,needles", [
    ("g/gallery/20250101-120000-000000-000.png", b"just some text, no image",
     ("is not a PNG image",)),
    ("g/gallery/20250101-120000-000000-000.png", pickle.dumps({"a": 1}), ("is a pickle",)),
    ("g/gallery/20250101-120000-000000-000.png", broken_crc(gallery_image("x", 1)), ("not a readable PNG image",)),
    ("g/gallery/20250101-120000-000000-000.png", huge_header(50_000, 50_000), ("pixels (at most",)),
    ("g/gallery/20250101-120000-000000-000.png", rgba_png(),
     ("RGBA image, not the grayscale or RGB PNG the gallery keeps",)),
    ("g/gallery/evil.png", gallery_image("evil.png", 1), ("not named as genstudio's gallery names its images",)),
    ("g/gallery/20250101-120000-000000-000.PNG", gallery_image("x", 1), ("not named as",)),
    ("g/gallery/20250101-120000-000000-000.jpg", b"\xff\xd8\xff", ("not named as",)),
    ("g/gallery/sub/20250101-120000-000000-000.png", gallery_image("x", 1), ("not a kind of file",)),
    ("g/gallery/../../20250101-120000-000000-000.png", gallery_image("x", 1), ("outside the archive (..)",)),
    ("g/gallery/20250101-120000-000000-000.pt", b"\x80\x04", ("can run code",)),
])
def test_a_bad_gallery_member_is_refused_by_name(with_gallery, tmp_path, name, data, needles):
    files = members(export_run(with_gallery, tmp_path / "g.zip", samples=0))
    bad = write_zip(tmp_path / "bad.zip", add_member(files, name, data))
    refused(bad, tmp_path / "runs", *needles, repr(name))


def test_gallery_members_have_their_own_size_cap_and_count(with_gallery, tmp_path, monkeypatch):
    files = members(export_run(with_gallery, tmp_path / "g.zip", samples=0))
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("g/gallery/20250101-120000-000000-009.png", gallery_image("x", 1))
        zf.filelist[-1].file_size = 17 << 20                  # declares 17 MiB: fine for a samples.png, not here
    refused(path, tmp_path / "runs", "declares", "20250101-120000-000000-009.png", f"{16 << 20:,}")
    monkeypatch.setattr(archive_module, "MAX_GALLERY_IMAGES", 2)
    refused(tmp_path / "g.zip", tmp_path / "runs", "3 gallery images", "at most 2")


def test_an_archive_with_thousands_of_gallery_images_imports(exported, tmp_path):
    """The member cap grew with the gallery: 3,000 images (stored, as an export writes PNGs) import."""
    files = members(export_run(exported[0], tmp_path / "g.zip", samples=0))
    image = gallery_image("x", 3)
    manifest = json.loads(files[f"g/{MANIFEST}"])
    names = [f"20250101-120000-{i:06d}-000.png" for i in range(3000)]
    for name in names:
        manifest["files"][f"gallery/{name}"] = {"size": len(image), "sha256": hashlib.sha256(image).hexdigest()}
    files[f"g/{MANIFEST}"] = json.dumps(manifest).encode()
    files.update({f"g/gallery/{name}": image for name in names})
    imported = import_run(write_zip(tmp_path / "many.zip", files), tmp_path / "runs")
    assert len(list((imported / GALLERY).iterdir())) == 3000
