"""The gallery's images: kept in the `gallery/` folder of the run that made them, and exported.

Every file written here carries the image's generation parameters (CONVENTIONS.md: the A1111
`parameters` chunk and the `genstudio` JSON) and is written to a temporary file and renamed into
place. Exports into a folder and kept images take free names; a grid, sheet or animation is written
at the path given (the caller asked before replacing a file there).

A kept image is a PNG at `<run>/gallery/<date>-<time>-<n>-seed-<seed>.png`; sorted by name, a run's
kept images are in the order they were added. Its JSON carries GALLERY_KEY, its own file name, so
that only files the gallery wrote are read back or deleted; any other file in that folder is skipped
with a log line. Progressive frames are not kept (a thousand noisy steps per image would take far
more room than the image).

These functions do file work and run on worker threads; they know nothing of Qt.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

from studio.engine.export import (
    ImageMetadataError, free_path, make_grid, read_image_parameters, save_animation, save_image,
)
from studio.engine.messages import EngineError, message_of, os_reason
from studio.engine.provenance import Provenance, as_provenance
from studio.engine.sheets import save_contact_sheet

GALLERY_FOLDER = "gallery"          # <run>/gallery/: the images the gallery keeps for that run
GALLERY_KEY = "gallery_file"        # in a kept image's JSON: its own file name (the gallery wrote it)
KEPT_NAME = re.compile(r"^\d{8}-\d{6}-\d{6}-\d{3}(-seed-\d+)?(-\d+)?\.png$")

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class GalleryItem:
    """One generated image with what made it.

    image:      (H, W, C) uint8
    provenance: what made it (model, seed, prompt, options, latent position); a JSON-shaped dict given
                here is read with Provenance.from_dict
    frames:     the progressive frames ((H, W, C) uint8 each) that led to it, for animation export
    """

    image: np.ndarray
    provenance: Provenance = field(default_factory=Provenance)
    frames: tuple = ()

    def __post_init__(self):
        if not isinstance(self.provenance, Provenance):
            object.__setattr__(self, "provenance", as_provenance(self.provenance))

    @property
    def params(self) -> dict:
        """The provenance's JSON object, as the image files written here carry it."""
        return self.provenance.to_dict()


# -- exporting -------------------------------------------------------------------------------------
class ExportError(EngineError):
    """Writing one file failed; the message ("gallery.*") names the file and the reason."""


def _reason(error: OSError | ValueError) -> str:
    return os_reason(error) if isinstance(error, OSError) else message_of(error)


def _write(path: Path, write) -> Path:
    try:
        return write(path)
    except (OSError, ValueError) as e:
        raise ExportError("gallery.write_failed", path=path, reason=_reason(e)) from None


def write_images(items: list[GalleryItem], folder: Path, stem: str = "image", suffix: str = "png") -> list[Path]:
    """Each item as `<stem>-<seed>.<suffix>` (a free name) in folder, its parameters embedded (PNG text
    chunks, or EXIF for JPEG and WebP)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ExportError("gallery.not_a_folder", path=folder)
    paths = []
    for i, item in enumerate(items):
        seed = item.provenance.seed
        name = f"{stem}-{seed}.{suffix}" if seed is not None else f"{stem}-{i + 1:04d}.{suffix}"
        path = free_path(folder / name)
        paths.append(_write(path, lambda p, item=item: save_image(p, item.image, item.provenance)))
    return paths


def write_grid(items: list[GalleryItem], path: Path) -> list[Path]:
    """All items as one grid image (PNG, JPEG or WebP by the extension); its parameters list each image's."""
    shapes = {item.image.shape for item in items}
    if len(shapes) != 1:
        raise ExportError("gallery.grid_sizes", path=path, count=len(shapes))
    grid = make_grid(np.stack([item.image for item in items]))
    params = {"grid": len(items), "images": [item.params for item in items]}
    return [_write(Path(path), lambda p: save_image(p, grid, params))]


def write_animation(item: GalleryItem, path: Path, fps: float = 10.0, scale: int = 1) -> list[Path]:
    """The item's frames as an animated GIF or APNG (by the extension), with its parameters."""
    frames = list(item.frames) or [item.image]
    params = {**item.params, "frames": len(frames), "fps": fps}
    return [_write(Path(path), lambda p: save_animation(p, frames, params, fps=fps, scale=scale))]


def write_sequence(items: list[GalleryItem], path: Path, fps: float = 10.0, scale: int = 1) -> list[Path]:
    """Several images one after another (a latent walk, a seed series) as a GIF or APNG; its parameters
    list each image's."""
    if len({item.image.shape for item in items}) != 1:
        raise ExportError("gallery.animation_sizes", path=path)
    params = {"animation": "sequence", "frames": len(items), "fps": fps, "images": [item.params for item in items]}
    return [_write(Path(path), lambda p: save_animation(p, [item.image for item in items], params,
                                                       fps=fps, scale=scale))]


def write_contact_sheet(items: list[GalleryItem], path: Path, captions: list[str], title: str) -> list[Path]:
    """The items as a contact sheet PNG: a caption under each and a title; its parameters list each image's."""
    params = {"sheet": len(items), "images": [item.params for item in items]}
    return [_write(Path(path), lambda p: save_contact_sheet(p, [item.image for item in items], captions, title,
                                                            params))]


# -- keeping images in their runs' folders ---------------------------------------------------------
def gallery_folder(provenance: Provenance | dict | None) -> Path | None:
    """Where an image is kept: the `gallery/` folder of the run its provenance names (None: no run)."""
    run = as_provenance(provenance).run
    return Path(os.path.abspath(run)) / GALLERY_FOLDER if run else None


def kept_names(items: list[GalleryItem], when: datetime) -> list[str]:
    """File names for a batch added at `when`: sorted by name, they are in the order they were added."""
    stamp = when.strftime("%Y%m%d-%H%M%S-%f")
    names = []
    for i, item in enumerate(items):
        seed = item.provenance.seed
        tail = f"-seed-{seed}" if seed is not None and seed >= 0 else ""
        names.append(f"{stamp}-{i:03d}{tail}.png")
    return names


def keep_items(items: list[GalleryItem], paths: list[Path]) -> tuple[list[GalleryItem], list[Path], tuple | None]:
    """Save each item as a PNG at its path (atomically, never over another file), its parameters and
    GALLERY_KEY embedded. Stops at the first failure: (items, the paths written, None or (folder, why
    the rest were not written))."""
    written: list[Path] = []
    for item, path in zip(items, paths):
        try:
            path.parent.mkdir(exist_ok=True)            # not the run folder itself: a deleted run stays deleted
            path = free_path(path)
            save_image(path, item.image, {**item.params, GALLERY_KEY: path.name})
        except (OSError, ValueError) as e:
            return items, written, (str(path.parent), _reason(e))
        written.append(path)
    return items, written, None


def read_kept_item(path: Path) -> GalleryItem:
    """One image the gallery kept, with its parameters (GALLERY_KEY taken out). ValueError says why a
    file is not one: not a name or a PNG the gallery writes, not written by it, unreadable."""
    if not KEPT_NAME.match(path.name):
        raise ValueError("not a name the gallery gives its images")
    try:
        params = read_image_parameters(path)
    except ImageMetadataError as e:
        raise ValueError(str(e).removeprefix(f"{path}: ")) from None
    if not isinstance(params, dict) or params.get(GALLERY_KEY) != path.name:
        raise ValueError("not written by the gallery (no gallery_file naming it in its parameters)")
    try:
        with Image.open(path) as im:
            if im.format != "PNG" or im.mode not in ("L", "RGB"):
                raise ValueError(f"a {im.format} {im.mode} image, not the PNG the gallery writes")
            im.load()
            image = np.asarray(im)
    except (OSError, SyntaxError, Image.DecompressionBombError) as e:
        raise ValueError(f"unreadable ({e})") from None
    provenance = Provenance.from_dict({k: v for k, v in params.items() if k != GALLERY_KEY})
    return GalleryItem(image=image[:, :, None] if image.ndim == 2 else image, provenance=provenance)


def read_kept(folder: Path) -> tuple[Path, list[tuple[GalleryItem, Path]]]:
    """The images kept in a gallery folder, in the order they were added; a file that is not one is
    skipped with a log line. -> (the folder, [(item, path)])."""
    folder = Path(os.path.abspath(folder))
    try:
        paths = sorted(p for p in folder.iterdir() if not p.name.startswith("."))   # .tmp: a write under way
    except (FileNotFoundError, NotADirectoryError):
        return folder, []
    except OSError as e:
        log.warning("gallery: cannot list %s: %s", folder, e.strerror or e)
        return folder, []
    kept = []
    for path in paths:
        if path.is_dir():
            continue
        try:
            kept.append((read_kept_item(path), path))
        except ValueError as e:
            log.warning("gallery: skipped %s: %s", path, e)
        except Exception as e:                  # a decoder's own error on a broken file: skip it all the same
            log.warning("gallery: skipped %s: %s: %s", path, type(e).__name__, e)
    return folder, kept


def forget_kept(paths: list[Path]) -> list[Path]:
    """Delete kept images, each only if it is one the gallery wrote (read_kept_item takes it). -> those deleted."""
    deleted = []
    for path in paths:
        try:
            read_kept_item(path)
        except Exception as e:                  # ValueError, or a decoder's own error: not one to delete
            log.warning("gallery: not deleting %s: %s", path, e)
            continue
        try:
            path.unlink()
            deleted.append(path)
        except OSError as e:
            log.warning("gallery: cannot delete %s: %s", path, e.strerror or e)
    return deleted
