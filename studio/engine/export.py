"""Images leaving the engine: grids and PNG/JPEG/WebP images that carry their generation parameters.

Metadata follows CONVENTIONS.md. PNG: an AUTOMATIC1111-compatible `parameters` text chunk and a
`genstudio` chunk holding the full JSON. JPEG and WebP: the same `parameters` text in EXIF
UserComment (`UNICODE\0` + UTF-16BE, as AUTOMATIC1111 writes and reads it) and
`{"genstudio": <the JSON>}` in EXIF ImageDescription. read_image_parameters reads any of them
back (read_provenance as a Provenance, see provenance.py), and parse_a1111_parameters what other
tools wrote.
"""
from __future__ import annotations

import io
import json
import struct
import warnings
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from studio.engine.checkpoint import atomic_write_bytes, atomic_write_many
from studio.engine.messages import EngineError
from studio.engine.provenance import Provenance, a1111_text, as_provenance, parse_a1111_parameters  # noqa: F401

# What the writers take: an image's Provenance, or any JSON-shaped mapping (a grid's list of images, a sheet).
Params = Provenance | Mapping[str, Any]


def make_grid(images: np.ndarray, ncols: int | None = None, padding: int = 2, pad_value: int = 255) -> np.ndarray:
    """(N, H, W, C) uint8 -> one (H', W', C) uint8 mosaic, row-major."""
    n, h, w, c = images.shape
    ncols = ncols or max(1, int(np.ceil(np.sqrt(n))))
    nrows = max(1, -(-n // ncols))
    grid = np.full((nrows * (h + padding) + padding, ncols * (w + padding) + padding, c), pad_value, np.uint8)
    for i in range(n):
        r, col = divmod(i, ncols)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y:y + h, x:x + w] = images[i]
    return grid


def frame_grid(images: np.ndarray, extras: Mapping[str, np.ndarray] = {}, ncols: int = 8) -> np.ndarray:
    """A Frame as one picture: each extras set as its own rows first, then the images."""
    parts = [np.asarray(v) for v in extras.values()] + [images]
    rows = [make_grid(p, ncols=ncols) for p in parts]
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    return np.concatenate(rows, axis=0)


def to_pil(image: np.ndarray) -> Image.Image:
    image = np.ascontiguousarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        return Image.fromarray(image[:, :, 0], mode="L")
    return Image.fromarray(image, mode="RGB")


def generation_params(provenance: Params, *, seed: int, prompt: str | None, options: Mapping[str, Any],
                      image_size: int | None, version: str, precision: str | None = None) -> dict[str, Any]:
    """The JSON of Provenance.for_image: what a model's image drawn now carries."""
    return as_provenance(provenance).for_image(seed=seed, prompt=prompt, options=options, image_size=image_size,
                                               version=version, precision=precision).to_dict()


def a1111_parameters(params: Params) -> str:
    """The AUTOMATIC1111 `parameters` text for generation parameters (see Provenance.to_a1111)."""
    return a1111_text(_json_object(params))


# -- writing PNG, JPEG and WebP with parameters ----------------------------------------------------
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
JPEG_QUALITY = 95
_EXIF_IFD, _USER_COMMENT, _IMAGE_DESCRIPTION = 0x8769, 0x9286, 0x010E
_UNICODE, _ASCII = b"UNICODE\x00", b"ASCII\x00\x00\x00"
_MAX_JPEG_EXIF = 65533 - 2          # one APP1 segment, less its length field


class ImageMetadataError(EngineError, ValueError):
    """An image (or an animation) that cannot be written, or whose parameters cannot be read; the message
    names the file and why."""


def _json_object(params: Params) -> dict[str, Any]:
    return params.to_dict() if isinstance(params, Provenance) else dict(params)


def _genstudio_json(params: Params) -> str:
    return json.dumps(_json_object(params), sort_keys=True, default=str)


def exif_bytes(params: Params) -> bytes:
    """EXIF (`Exif\\0\\0` + a big-endian TIFF header) with two tags, as JPEG and WebP carry them.

    - Exif UserComment (0x9286): the AUTOMATIC1111 `parameters` text, prefixed `UNICODE\\0`, in
      UTF-16 big-endian, exactly as AUTOMATIC1111 writes it (piexif.helper.UserComment.dump with
      encoding="unicode") and reads it back in its PNG Info tab. Big-endian EXIF keeps readers
      that follow the file's byte order (exiftool) in agreement with it.
    - ImageDescription (0x010E, ASCII): `{"genstudio": <the full parameters JSON>}`, ASCII only
      (JSON escapes the rest), the same JSON a PNG's `genstudio` chunk holds.
    """
    comment = _UNICODE + a1111_parameters(params).encode("utf-16-be")
    description = json.dumps({"genstudio": _json_object(params)}, sort_keys=True, default=str).encode("ascii") + b"\x00"

    def entry(tag: int, kind: int, count: int, data: bytes, data_offset: int) -> tuple[bytes, bytes]:
        if len(data) <= 4:
            return struct.pack(">HHI", tag, kind, count) + data.ljust(4, b"\x00"), b""
        return struct.pack(">HHII", tag, kind, count, data_offset), data + b"\x00" * (len(data) % 2)

    ifd0_at, ifd0_size = 8, 2 + 2 * 12 + 4
    description_at = ifd0_at + ifd0_size
    desc_entry, desc_data = entry(_IMAGE_DESCRIPTION, 2, len(description), description, description_at)
    exif_at = description_at + len(desc_data)
    pointer = struct.pack(">HHII", _EXIF_IFD, 4, 1, exif_at)
    ifd0 = struct.pack(">H", 2) + desc_entry + pointer + struct.pack(">I", 0)
    comment_entry, comment_data = entry(_USER_COMMENT, 7, len(comment), comment, exif_at + 2 + 12 + 4)
    exif_ifd = struct.pack(">H", 1) + comment_entry + struct.pack(">I", 0)
    return b"Exif\x00\x00" + b"MM\x00\x2a" + struct.pack(">I", ifd0_at) + ifd0 + desc_data + exif_ifd + comment_data


def image_bytes(image: np.ndarray, params: Params | None = None, fmt: str = "PNG") -> bytes:
    """One (H, W, C) uint8 image as PNG, JPEG (quality 95) or lossless WebP, carrying its parameters.

    PNG: `parameters` (AUTOMATIC1111) and `genstudio` (JSON) text chunks. JPEG and WebP: the same
    two in EXIF, see exif_bytes. A JPEG's EXIF must fit one 64 KB segment; parameters too large for
    it (a long latent position) raise ImageMetadataError: save those as PNG or WebP.
    """
    fmt = fmt.upper().replace("JPG", "JPEG")
    if fmt == "PNG":
        return png_bytes(image, params)
    if fmt not in ("JPEG", "WEBP"):
        raise ImageMetadataError("image.bad_format", format=fmt)
    extra: dict[str, Any] = {}
    if params is not None:
        exif = exif_bytes(params)
        if fmt == "JPEG" and len(exif) > _MAX_JPEG_EXIF:
            raise ImageMetadataError("image.parameters_too_long_for_jpeg", size=len(exif))
        extra["exif"] = exif
    if fmt == "JPEG":
        extra.update(quality=JPEG_QUALITY, subsampling=0)
    else:
        extra.update(lossless=True, quality=100, method=4)
    buf = io.BytesIO()
    to_pil(image).save(buf, format=fmt, **extra)
    return buf.getvalue()


def png_bytes(image: np.ndarray, params: Params | None = None) -> bytes:
    info = None
    if params is not None:
        info = PngImagePlugin.PngInfo()
        info.add_text("parameters", a1111_parameters(params))
        info.add_text("genstudio", _genstudio_json(params))
    buf = io.BytesIO()
    to_pil(image).save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def image_format(path: Path | str) -> str:
    """PIL's format name for a file name's extension (.png, .jpg/.jpeg, .webp); ImageMetadataError otherwise."""
    fmt = IMAGE_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ImageMetadataError("image.bad_extension", name=Path(path).name,
                                 extension=Path(path).suffix or "no extension")
    return fmt


def save_image(path: Path, image: np.ndarray, params: Params | None = None) -> Path:
    """Write one image (atomically) in the format its extension names, its parameters embedded."""
    path = Path(path)
    atomic_write_bytes(path, image_bytes(image, params, image_format(path)))
    return path


def save_images(items: list[tuple[Path, np.ndarray, Params | None]]) -> list[Path]:
    """Write many images as save_image does (each atomically, in its extension's format, parameters embedded),
    encoded and written on a few threads with one fsync of each folder: `sample -n 500` spent as long on 1,000
    fsyncs as on a quarter of its sampling (benchmarks/RESULTS.md, "Sampling: the whole process")."""
    for path, _, _ in items:
        image_format(path)                        # a bad extension fails before anything is written
    return atomic_write_many((Path(path), lambda image=image, params=params, path=path:
                              image_bytes(image, params, image_format(path))) for path, image, params in items)


def save_png(path: Path, image: np.ndarray, params: Params | None = None) -> Path:
    """Write one (H, W, C) uint8 image as PNG (atomically), with parameters embedded."""
    atomic_write_bytes(Path(path), png_bytes(image, params))
    return Path(path)


# -- reading parameters back -----------------------------------------------------------------------
def _json_dict(text: Any) -> dict | None:
    try:
        if isinstance(text, bytes):
            text = text.rstrip(b"\x00").decode("utf-8")
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _user_comment(data: Any, big_endian: bool) -> str | None:
    """An EXIF UserComment's text: its 8-byte charset prefix says how it is encoded."""
    if isinstance(data, str):
        return data
    if not isinstance(data, (bytes, bytearray)) or len(data) < 8:
        return None
    prefix, body = bytes(data[:8]), bytes(data[8:])
    if prefix == _UNICODE:
        if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return body.decode("utf-16", errors="replace")
        return body.decode("utf-16-be" if big_endian else "utf-16-le", errors="replace")
    if prefix == _ASCII or prefix == b"\x00" * 8:
        return body.decode("utf-8", errors="replace")
    return None


def _exif_texts(im: Image.Image) -> tuple[str | None, str | None]:
    """(ImageDescription, UserComment) of an image's EXIF, None where absent or unreadable."""
    raw = im.info.get("exif")
    if not raw:
        return None, None
    try:
        exif = im.getexif()
        description = exif.get(_IMAGE_DESCRIPTION)
        comment = exif.get_ifd(_EXIF_IFD).get(_USER_COMMENT)
    except Exception:                   # a broken EXIF block is junk to skip, not a reason to fail
        return None, None
    body = raw[6:] if raw[:6] == b"Exif\x00\x00" else raw
    return (description if isinstance(description, str) else None), _user_comment(comment, body[:2] == b"MM")


def _image_parameters(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(the genstudio JSON object, the AUTOMATIC1111 text) an image carries, None where absent or junk."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")       # PIL warns of a corrupt EXIF, then reads what it can
            with Image.open(path) as im:
                info = dict(im.info)              # PNG text chunks before the pixels (where PIL writes them)
                description, comment = _exif_texts(im)
    except FileNotFoundError:
        raise ImageMetadataError("image.not_found", path=path) from None
    except IsADirectoryError:
        raise ImageMetadataError("image.is_a_folder", path=path) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ImageMetadataError("image.unreadable", path=path, error=str(error)) from None
    params = _json_dict(info.get("genstudio"))
    if params is None:
        wrapped = _json_dict(description)
        params = wrapped.get("genstudio") if wrapped else None
    text = info.get("parameters") if isinstance(info.get("parameters"), str) else comment
    return (params if isinstance(params, dict) else None), (text if text and text.strip() else None)


def read_image_parameters(path: Path | str) -> dict[str, Any] | None:
    """The parameters a PNG, JPEG or WebP carries, as JSON; None when it carries none.

    A genstudio image gives back the dict it was saved with (PNG `genstudio` chunk, or the
    `genstudio` key of the EXIF ImageDescription JSON). An image from elsewhere with an
    AUTOMATIC1111 `parameters` text (PNG chunk or EXIF UserComment) gives parse_a1111_parameters of
    it (`source` == "a1111"). Only the file's header is read, not its pixels. A missing or
    unreadable file raises ImageMetadataError naming it; junk metadata is skipped, never raised.
    """
    params, text = _image_parameters(Path(path))
    if params is not None:
        return params
    return parse_a1111_parameters(text) if text is not None else None


def read_provenance(path: Path | str) -> Provenance | None:
    """What made an image (read_image_parameters as a Provenance); None when it does not say."""
    params, text = _image_parameters(Path(path))
    if params is not None:
        return Provenance.from_dict(params)
    return Provenance.from_a1111(text) if text is not None else None


def image_checkpoint(params: Params) -> Path | None:
    """The checkpoint file that made an image, if it is still on this computer unchanged.

    Tries the checkpoint the image names, then the run's periodic copy of that step, then the run's
    `last`; the first whose hash is the image's `checkpoint_hash` wins. None when none matches (the
    run trained on and the image's step was not kept), or the image names no hash.
    """
    from studio.engine.checkpoint import file_hash

    made = as_provenance(params)
    if not made.checkpoint_hash:
        return None
    candidates = [Path(made.checkpoint)] if made.checkpoint else []
    if made.run:
        if made.checkpoint_step is not None:
            candidates.append(Path(made.run) / "checkpoints" / f"step-{made.checkpoint_step:08d}.safetensors")
        candidates.append(Path(made.run) / "checkpoints" / "last.safetensors")
    for path in candidates:
        try:
            if path.is_file() and file_hash(path) == made.checkpoint_hash:
                return path
        except OSError:
            continue
    return None


def read_png_parameters(path: Path) -> dict[str, Any] | None:
    """The genstudio JSON of a PNG written by save_png, or None."""
    with Image.open(path) as im:
        text = im.text.get("genstudio") if hasattr(im, "text") else None
    return json.loads(text) if text else None


# -- animations and safe file names --------------------------------------------------------------
_ANIMATION_FORMATS = {".gif": "GIF", ".png": "PNG", ".apng": "PNG"}


def animation_bytes(frames, params: Params | None = None, fps: float = 10.0, fmt: str = "GIF",
                    scale: int = 1) -> bytes:
    """Frames ((H, W, C) uint8, all one size) as an animated GIF or APNG that loops forever.

    fps: frames a second (GIF stores delays in hundredths of a second, so above 50 it plays at 50).
    scale: each frame enlarged this many times with nearest-neighbour (a 32-pixel model stays crisp).
    The APNG carries the same `parameters` and `genstudio` chunks as save_png; the GIF
    carries the genstudio JSON as its comment. The last frame is held a second longer.
    """
    frames = [np.asarray(f) for f in frames]
    if not frames:
        raise ImageMetadataError("animation.no_frames")
    if len({f.shape for f in frames}) > 1:
        raise ImageMetadataError("animation.sizes_differ", sizes=str(sorted({f.shape for f in frames})))
    if not 0 < fps <= 100:
        raise ImageMetadataError("animation.bad_fps", fps=fps)
    scale = max(1, int(scale))
    pictures = [to_pil(f.repeat(scale, axis=0).repeat(scale, axis=1) if scale > 1 else f) for f in frames]
    step_ms = max(20, int(round(1000.0 / fps)))
    durations = [step_ms] * (len(pictures) - 1) + [step_ms + 1000]
    extra: dict[str, Any] = {}
    if params is not None and fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("parameters", a1111_parameters(params))
        info.add_text("genstudio", _genstudio_json(params))
        extra["pnginfo"] = info
    elif params is not None:
        extra["comment"] = _genstudio_json(params).encode("utf-8")
    buf = io.BytesIO()
    pictures[0].save(buf, format=fmt, save_all=True, append_images=pictures[1:], duration=durations, loop=0, **extra)
    return buf.getvalue()


def save_animation(path: Path, frames, params: Params | None = None, fps: float = 10.0,
                   scale: int = 1) -> Path:
    """Write frames as an animated GIF (`.gif`) or APNG (`.png`, `.apng`), atomically.

    Consecutive identical frames are merged into one longer frame by Pillow (the timing is kept).
    """
    path = Path(path)
    fmt = _ANIMATION_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImageMetadataError("animation.bad_extension", name=path.name, extension=path.suffix or "no extension")
    atomic_write_bytes(path, animation_bytes(frames, params, fps, fmt, scale))
    return path


def free_path(path: Path) -> Path:
    """`path` if nothing is there yet, else the first free `stem-2.ext`, `stem-3.ext`, ... beside it."""
    path = Path(path)
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate
