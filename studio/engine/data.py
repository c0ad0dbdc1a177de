"""Image folder -> in-memory dataset: pixels, labels, captions, and a report of what was skipped.

`load_dataset(source)` accepts a folder (walked recursively), a single image
file, or "demo:NAME" (a built-in set drawn on first use, see demo.py). Every
image becomes a square uint8 array in one preallocated (N, size, size, C)
array; nothing else of it is kept.

Layouts (the three people already have, see CONVENTIONS.md):

- **Labels** come from the first level of sub-folders (`cats/…`, `dogs/…`;
  `cats/siamese/1.png` is a "cats"). A dataset has labels only when its loaded
  images fall into at least two groups; images directly in the root then get
  the label `NO_LABEL` ("(none)"). One sub-folder alone (`photos/…`) gives no
  labels: there would be nothing to tell apart.
- **Captions**: `<stem>.txt` or `<name>.txt` beside the image (UTF-8, BOM
  tolerated), or a `metadata.jsonl` / `metadata.csv` in any folder with a
  `file_name` column (relative to that folder) and a `text` (or `caption`)
  column. A `.txt` beside the image wins over metadata; metadata in a deeper
  folder wins over a shallower one. Whitespace runs collapse to one space.
  Bad metadata lines are ignored and counted in `DatasetReport.notes`.

Every bad file is skipped with a specific reason (`DatasetReport.skipped`);
one bad file never stops the set. Only `DatasetError` leaves `load_dataset`
for bad input, and only when the dataset as a whole is unusable.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import posixpath
import stat
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
from PIL import Image, UnidentifiedImageError

from studio.engine.messages import EngineError, Message, os_reason

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
NO_LABEL = "(none)"
MACOS_METADATA = Message("skip.macos_metadata")

_METADATA_NAMES = ("metadata.jsonl", "metadata.csv")
_CAPTION_SOURCES = ("txt",) + _METADATA_NAMES
_TEXT_COLUMNS = ("text", "caption")
_GRAY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"})
_HEAD_BYTES = 64 * 1024          # read to sniff the format and the declared size
_CAPTION_MAX_BYTES = 64 * 1024
_PROGRESS_INTERVAL_S = 0.05      # <= 20 progress calls a second
_POLL_S = 0.05                   # cancel is polled at least this often while decoding
_CHUNK = 16                      # files per decode job, at most
_CHUNK_BYTES = 1 << 20           # ... and about this many bytes: one camera photo is a job of its own
_SCAN_POLL_ENTRIES = 1024        # cancel is polled every so many entries of one folder while scanning

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


class DatasetError(EngineError):
    """The dataset as a whole cannot be used; str(e) is one readable line naming the path and the reason."""


@dataclass(frozen=True)
class SkippedFile:
    path: str          # relative to the dataset root, posix separators
    reason: Message    # short, specific, human ("skip.*")


@dataclass(frozen=True)
class DatasetReport:
    """What `load_dataset` found, loaded and skipped, and why."""

    root: str
    found: int                        # candidate image files seen (by extension), junk included
    loaded: int
    skipped: tuple[SkippedFile, ...]
    labels: tuple[str, ...]           # sorted label names; () when the set has no labels
    label_counts: dict[str, int]
    captioned: int
    caption_source: str               # "none", "txt", "metadata.jsonl", "metadata.csv" or "+"-joined
    channels: int                     # 1 or 3
    size: int
    notes: tuple[Message, ...] = ()   # things worth knowing that are not skipped images (bad metadata lines, link loops)

    def summary(self) -> str:
        """A few lines: counts first, then where from, then why files were skipped."""
        colour = "RGB" if self.channels == 3 else "grayscale"
        labels = _count(len(self.labels), "label") if self.labels else "no labels"
        captions = f"{self.captioned:,} captioned" if self.captioned else "no captions"
        lines = [
            f"{_count(self.loaded, 'image')} ({self.found - self.loaded:,} skipped), "
            f"{labels}, {captions}, {self.size}x{self.size} {colour}",
            f"from {self.root}",
        ]
        if self.skipped:
            kinds = [f"{n:,} {why}" for why, n in _reason_kinds(self.skipped)]
            lines.append("skipped: " + ", ".join(kinds[:5]) + (", ..." if len(kinds) > 5 else ""))
        lines.extend(self.notes)
        return "\n".join(lines)

    def skip_kinds(self) -> list[tuple[Message, int]]:
        """Why files were skipped, by kind ("cannot read", "not an image", ...), most frequent first."""
        return _reason_kinds(self.skipped)


@dataclass
class ImageDataset:
    """A whole dataset in memory. `images[i]`, `labels[i]`, `captions[i]`, `files[i]` describe one image."""

    images: np.ndarray           # (N, size, size, C) uint8, C-contiguous
    labels: np.ndarray | None    # (N,) int64 indices into report.labels, or None
    captions: tuple[str, ...]    # N strings, "" where an image has none
    files: tuple[str, ...]       # N paths relative to report.root
    report: DatasetReport
    fingerprint: str             # hex sha256: files (path, size, mtime) + caption files + size + channels

    def __len__(self) -> int:
        return len(self.images)

    @property
    def label_names(self) -> tuple[str, ...]:
        return self.report.labels


def demo_names() -> tuple[str, ...]:
    """Names accepted as "demo:NAME"."""
    from studio.engine import demo

    return demo.demo_names()


def is_demo(source) -> bool:
    return isinstance(source, str) and source.startswith("demo:")


def load_dataset(
    source: str | os.PathLike,
    *,
    size: int = 32,
    channels: int | None = None,
    workers: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    max_pixels: int = 40_000_000,
) -> ImageDataset:
    """Load every usable image under `source` as a square `size` x `size` uint8 array.

    source:   a folder (walked recursively, symlinked folders followed once), one
              image file, or "demo:NAME".
    size:     side of the square result, 4..1024. Each image is scaled so its
              short side is `size` (LANCZOS) and centre-cropped.
    channels: None picks 1 when every loaded image is grayscale, else 3; 1 or 3 forces.
    workers:  decode threads (PIL releases the GIL while decoding); None = min(8, cores).
    progress: progress(done, total), called from this thread at most ~20 times a
              second and once more at the end with done == total. The first use
              of a demo set reports drawing it first, then loading it.
    cancel:   polled about every 50 ms; returning True raises DatasetError("... cancelled").
    max_pixels: an image that would decode to more pixels (width * height) is
              skipped before any pixel is decoded; a JPEG counts at the reduced
              scale it is decoded at, so camera photos of 48 megapixels and more load.

    Colour: alpha is composited on white; palette, CMYK, YCbCr, 1-bit, 16-bit
    and float images become 8-bit L or RGB; EXIF orientation is applied; a
    multi-frame file gives its first frame.
    """
    _check_options(size, channels, workers, max_pixels)
    workers = workers or min(8, os.cpu_count() or 1)
    demo_name = source[len("demo:"):] if is_demo(source) else None
    if demo_name is not None:
        from studio.engine import demo

        source = demo.demo_path(demo_name, progress=progress, cancel=cancel)
    try:
        root = os.path.abspath(os.path.expanduser(os.fspath(source)))
    except TypeError:
        raise DatasetError("dataset.not_a_source", source=source) from None
    scan = _scan_source(root, cancel)
    total = len(scan.candidates)
    images = _allocate(total, size, channels, root)
    outcomes = _decode_all(scan.candidates, images, size, channels, max_pixels, workers, progress, cancel, root)
    return _assemble(root, scan, images, outcomes, size, channels, demo_name, cancel)


# --- options and sources -------------------------------------------------------------------------


def _check_options(size, channels, workers, max_pixels) -> None:
    if not _is_int(size) or not 4 <= size <= 1024:
        raise DatasetError("dataset.bad_size", size=size)
    if channels is not None and (not _is_int(channels) or channels not in (1, 3)):
        raise DatasetError("dataset.bad_channels", channels=channels)
    if workers is not None and (not _is_int(workers) or workers < 1):
        raise DatasetError("dataset.bad_workers", workers=workers)
    if not _is_int(max_pixels) or max_pixels < 1:
        raise DatasetError("dataset.bad_max_pixels", max_pixels=max_pixels)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


@dataclass
class _Candidate:
    rel: str          # posix path relative to the root folder
    path: str         # filesystem path
    size: int
    mtime_ns: int


@dataclass
class _Scan:
    folder: str                                  # the folder rel paths are relative to
    single_file: bool = False
    candidates: list[_Candidate] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    metadata: list[_Candidate] = field(default_factory=list)
    texts: dict[str, _Candidate] = field(default_factory=dict)   # rel path of every .txt -> its file
    other_files: int = 0
    notes: list[Message] = field(default_factory=list)


def _scan_source(root: str, cancel: CancelFn | None) -> _Scan:
    try:
        st = os.stat(root)
    except FileNotFoundError:
        raise DatasetError("dataset.broken_link" if os.path.islink(root) else "dataset.not_found", path=root) from None
    except OSError as e:
        raise DatasetError("dataset.unreadable", path=root, reason=os_reason(e)) from None
    except ValueError as e:                       # e.g. a NUL character in the path
        raise DatasetError("dataset.unusable_path", path=root, error=str(e)) from None
    if stat.S_ISDIR(st.st_mode):
        scan = _walk(root, st, cancel)
        _check_found(root, scan)
        return scan
    return _single_file(root, st)


def _single_file(root: str, st: os.stat_result) -> _Scan:
    name = os.path.basename(root)
    if not stat.S_ISREG(st.st_mode) or os.path.splitext(name)[1].lower() not in IMAGE_EXTENSIONS:
        raise DatasetError("dataset.not_folder_or_image", path=root, extensions=_extension_list())
    scan = _Scan(folder=os.path.dirname(root), single_file=True)
    scan.candidates.append(_Candidate(name, root, st.st_size, st.st_mtime_ns))
    for text_name in (name + ".txt", os.path.splitext(name)[0] + ".txt"):
        text_path = os.path.join(scan.folder, text_name)
        if os.path.isfile(text_path):
            text_st = os.stat(text_path)
            scan.texts[text_name] = _Candidate(text_name, text_path, text_st.st_size, text_st.st_mtime_ns)
    return scan


def _walk(root: str, root_st: os.stat_result, cancel: CancelFn | None) -> _Scan:
    """Depth-first os.scandir walk; each real folder is entered once, so symlink loops end."""
    scan = _Scan(folder=root)
    visited = {(root_st.st_dev, root_st.st_ino)}
    stack = [("", root, False)]          # (rel folder, path, inside __MACOSX)
    while stack:
        if cancel is not None and cancel():
            raise DatasetError("dataset.cancelled", path=root)
        rel_dir, path, junk = stack.pop()
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            scan.notes.append(Message("dataset.folder_unreadable", path=rel_dir, reason=os_reason(e)))
            continue
        subdirs = []
        for number, entry in enumerate(entries, 1):
            if number % _SCAN_POLL_ENTRIES == 0 and cancel is not None and cancel():
                raise DatasetError("dataset.cancelled", path=root)
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if _is_dir(entry):
                sub = _enter_dir(entry, rel, junk, visited, scan)
                if sub:
                    subdirs.append(sub)
            else:
                _add_file(entry, rel, junk, scan)
        stack.extend(reversed(subdirs))
    scan.candidates.sort(key=lambda c: c.rel)
    scan.skipped.sort(key=lambda s: s.path)
    return scan


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _enter_dir(entry: os.DirEntry, rel: str, junk: bool, visited: set, scan: _Scan):
    if entry.name.startswith("."):
        return None
    try:
        st = entry.stat()
    except OSError as e:
        scan.notes.append(Message("dataset.folder_unreadable", path=rel, reason=os_reason(e)))
        return None
    key = (st.st_dev, st.st_ino)
    if key in visited:
        scan.notes.append(Message("dataset.link_loop", path=rel))
        return None
    visited.add(key)
    return rel, entry.path, junk or entry.name == "__MACOSX"


def _add_file(entry: os.DirEntry, rel: str, junk: bool, scan: _Scan) -> None:
    name = entry.name
    ext = os.path.splitext(name)[1].lower()
    if ext not in IMAGE_EXTENSIONS:
        if not junk and not name.startswith("."):
            _add_side_file(entry, rel, ext, scan)
        return
    if junk or name.startswith("._"):
        scan.skipped.append(SkippedFile(rel, MACOS_METADATA))
        return
    if name.startswith("."):
        return                                   # hidden, like hidden folders
    try:
        st = entry.stat()
    except FileNotFoundError:
        scan.skipped.append(SkippedFile(rel, Message("skip.broken_link" if entry.is_symlink() else "skip.vanished")))
        return
    except OSError as e:
        scan.skipped.append(SkippedFile(rel, Message("skip.unreadable", reason=os_reason(e))))
        return
    if not stat.S_ISREG(st.st_mode):
        scan.skipped.append(SkippedFile(rel, Message("skip.not_regular")))
        return
    scan.candidates.append(_Candidate(rel, entry.path, st.st_size, st.st_mtime_ns))


def _add_side_file(entry: os.DirEntry, rel: str, ext: str, scan: _Scan) -> None:
    scan.other_files += 1
    if ext != ".txt" and entry.name.lower() not in _METADATA_NAMES:
        return
    try:
        st = entry.stat()
    except OSError:
        return
    side = _Candidate(rel, entry.path, st.st_size, st.st_mtime_ns)
    if ext == ".txt":
        scan.texts[rel] = side
    else:
        scan.metadata.append(side)


def _check_found(root: str, scan: _Scan) -> None:
    if scan.candidates:
        return
    if scan.skipped:
        raise DatasetError("dataset.no_images", path=root, reason=_skipped_digest(scan.skipped))
    if scan.other_files:
        raise DatasetError("dataset.no_images", path=root, reason=Message(
            "dataset.other_files", count=scan.other_files, extensions=_extension_list()))
    raise DatasetError("dataset.empty", path=root)


# --- decoding ------------------------------------------------------------------------------------


class _Skip(EngineError):
    """One file cannot be used; the message is the reason."""


def _allocate(total: int, size: int, channels: int | None, root: str) -> np.ndarray:
    depth = 1 if channels == 1 else 3            # auto decodes to 3 and drops two at the end if all gray
    try:
        return np.empty((total, size, size, depth), dtype=np.uint8)
    except MemoryError:
        gib = total * size * size * depth / 2**30
        raise DatasetError("dataset.out_of_memory", path=root, count=total, size=size, gib=gib) from None


def _decode_all(candidates, images, size, channels, max_pixels, workers, progress, cancel, root) -> list:
    """Decode every candidate into images[i] on a thread pool; returns per file True/False (gray) or a reason."""
    total = len(candidates)
    outcomes: list = [None] * total
    stop = threading.Event()
    throttle = _Throttle(progress, total)

    def job(start: int, end: int) -> int:         # one chunk; small images decode faster than a thread hand-off
        for i in range(start, end):
            if stop.is_set():
                break
            outcomes[i] = _decode_outcome(candidates[i].path, images[i], size, channels, max_pixels)
        return end - start

    chunks = _chunks(candidates)
    inflight: set = set()                         # at most 2 chunks per worker, so cancel is quick
    done = 0
    throttle(0)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="genstudio-decode") as pool:
        try:
            while True:
                while len(inflight) < 2 * workers and (chunk := next(chunks, None)) is not None:
                    inflight.add(pool.submit(job, *chunk))
                if not inflight:
                    break
                finished, inflight = wait(inflight, timeout=_POLL_S, return_when=FIRST_COMPLETED)
                done += sum(future.result() for future in finished)
                if cancel is not None and cancel():
                    raise DatasetError("dataset.cancelled", path=root)
                throttle(done)
        finally:
            stop.set()                            # running chunks stop after their current file
            for future in inflight:
                future.cancel()
    throttle(total, final=True)
    return outcomes


def _chunks(candidates: list[_Candidate]):
    """(start, end) index ranges of up to _CHUNK files and about _CHUNK_BYTES: progress and cancel stay
    prompt for big photos while small files still go to the threads in batches."""
    start, nbytes = 0, 0
    for i, candidate in enumerate(candidates):
        nbytes += candidate.size
        if i + 1 - start >= _CHUNK or nbytes >= _CHUNK_BYTES:
            yield start, i + 1
            start, nbytes = i + 1, 0
    if start < len(candidates):
        yield start, len(candidates)


class _Throttle:
    def __init__(self, progress: ProgressFn | None, total: int):
        self.progress, self.total, self.last = progress, total, 0.0

    def __call__(self, done: int, final: bool = False) -> None:
        now = time.monotonic()
        if self.progress is not None and (final or now - self.last >= _PROGRESS_INTERVAL_S):
            self.last = now
            self.progress(done, self.total)


def _decode_outcome(path: str, out: np.ndarray, size: int, channels: int | None, max_pixels: int):
    try:
        return _decode_into(path, out, size, channels, max_pixels)
    except _Skip as e:
        return e.message
    except Exception as e:  # a hostile file can make any decoder raise anything
        return Message("skip.undecodable", error=_exception_text(e))


def _decode_into(path: str, out: np.ndarray, size: int, channels: int | None, max_pixels: int) -> bool:
    """Decode one file into out (size, size, C); returns whether the source was grayscale."""
    try:
        f = open(path, "rb")
    except OSError as e:
        raise _Skip("skip.unreadable", reason=os_reason(e)) from None
    with f:
        head = f.read(_HEAD_BYTES)
        kind = _sniff(head)
        declared = _declared_size(kind, head)
        _check_declared_size(declared, max_pixels, _jpeg_draft_size(declared, size) if kind == "JPEG" else None)
        f.seek(0)
        try:
            with Image.open(f) as im:
                return _load_resized(im, out, size, channels, max_pixels)
        except _Skip:
            raise
        except UnidentifiedImageError:
            raise (_Skip("skip.unidentified", format=kind) if kind else _Skip("skip.unrecognised")) from None
        except Image.DecompressionBombError as e:
            raise _Skip("skip.bomb", error=_exception_text(e)) from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError) as e:
            raise _Skip("skip.truncated", format=kind or "image", error=_exception_text(e)) from None


def _load_resized(im: Image.Image, out: np.ndarray, size: int, channels: int | None, max_pixels: int) -> bool:
    declared = im.size
    if im.format == "JPEG":
        im.draft(None, (size, size))              # let libjpeg scale down by 2/4/8 while decoding, keeping >= size
    _check_declared_size(declared, max_pixels, im.size)     # nothing decoded yet: Image.open only read the header
    im.load()
    gray = im.mode in _GRAY_MODES
    orientation = _exif_orientation(im)
    flat = _flatten(im)
    w, h = flat.size
    side = min(w, h)
    box = ((w - side) / 2, (h - side) / 2, (w + side) / 2, (h + side) / 2)
    small = flat.resize((size, size), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    # The centre square maps onto itself under all eight EXIF orientations, so turning the
    # small result equals turning the full image before resizing, for a fraction of the work.
    if orientation in _TRANSPOSE:
        small = small.transpose(_TRANSPOSE[orientation])
    if out.shape[-1] == 1 and small.mode != "L":
        small = small.convert("L")
    pixels = np.asarray(small)
    out[...] = pixels[..., None] if pixels.ndim == 2 else pixels
    return gray


def _check_declared_size(declared: tuple[int, int] | None, max_pixels: int,
                         decoded: tuple[int, int] | None = None) -> None:
    """Skip an image that would decode to more than max_pixels: `decoded` where it decodes smaller than it
    declares (a JPEG at the scale draft() picks: a 48-megapixel photo loaded at 32 px decodes 0.75)."""
    w, h = decoded or declared or (0, 0)
    if w * h > max_pixels:
        raise _Skip("skip.declares_too_many_pixels", width=declared[0], height=declared[1], limit=max_pixels / 1e6)


def _jpeg_draft_size(declared: tuple[int, int] | None, size: int) -> tuple[int, int] | None:
    """The size JpegImageFile.draft(None, (size, size)) will decode at: the largest of 1/8, 1/4, 1/2 that keeps both
    sides >= size (Pillow's own rule)."""
    if not declared:
        return None
    w, h = declared
    scale = next((s for s in (8, 4, 2) if min(w // size, h // size) >= s), 1)
    return -(-w // scale), -(-h // scale)


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _exif_orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1))  # 0x0112: Orientation
    except Exception:  # a broken EXIF block does not make a broken image
        return 1


def _flatten(im: Image.Image) -> Image.Image:
    """Any mode -> L (grayscale sources) or RGB; alpha composited on white."""
    mode = im.mode
    if mode in ("L", "RGB"):
        return im
    if mode == "1":
        return im.convert("L")
    if mode == "I" or mode.startswith("I;16"):
        return _from_16bit(im)
    if mode == "F":
        return _from_float(im)
    if mode in ("LA", "La"):
        la = im.convert("LA")
        return _on_white(la.getchannel("L"), la.getchannel("A"))
    if mode in ("RGBA", "RGBa", "PA") or (mode == "P" and _palette_has_alpha(im)):
        rgba = im.convert("RGBA")
        return _on_white(rgba.convert("RGB"), rgba.getchannel("A"))
    return im.convert("RGB")                      # P, CMYK, YCbCr, LAB, HSV, RGBX


def _palette_has_alpha(im: Image.Image) -> bool:
    return "transparency" in im.info or (im.palette is not None and im.palette.mode == "RGBA")


def _on_white(colour: Image.Image, alpha: Image.Image) -> Image.Image:
    background = Image.new(colour.mode, colour.size, (255,) * len(colour.getbands()))
    background.paste(colour, mask=alpha)
    return background


def _from_16bit(im: Image.Image) -> Image.Image:
    # "I" is taken as 16-bit too: it is how Pillow opens 16-bit PNG/TIFF grayscale.
    values = np.clip(np.asarray(im).astype(np.int64), 0, 65535)
    return Image.fromarray(((values * 255 + 32767) // 65535).astype(np.uint8))


def _from_float(im: Image.Image) -> Image.Image:
    # Float images are either 0..1 or 0..255 by convention; anything else is clipped.
    values = np.nan_to_num(np.asarray(im, dtype=np.float32), nan=0.0, posinf=255.0, neginf=0.0)
    if values.size and values.max() <= 1.0:
        values = values * 255.0
    return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))


# --- sniffing: what a file is before PIL touches it ----------------------------------------------

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),
    (b"MM\x00+", "TIFF"),
)


def _sniff(head: bytes) -> str | None:
    """The format the first bytes announce, or None; raises _Skip for what is surely no image."""
    if not head:
        raise _Skip("skip.empty")
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[:2] == b"BM" and len(head) >= 18 and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124):
        return "BMP"
    text_reason = _text_reason(head[:4096])
    if text_reason:
        raise _Skip(text_reason)
    return None


def _text_reason(sample: bytes) -> Message | None:
    if b"\x00" in sample:
        return None
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(sample) - 3:                  # not just a character cut at the end of the sample
            return None
        text = sample[: e.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\r\n\t\f" for ch in text)
    if printable < 0.95 * len(text):
        return None
    start = text.lstrip("\ufeff \t\r\n").lower()
    if start.startswith("version https://git-lfs"):
        return Message("skip.git_lfs")
    if start.startswith(("<!doctype html", "<html")):
        return Message("skip.html")
    if start.startswith("<svg") or (start.startswith("<?xml") and "<svg" in start):
        return Message("skip.svg")
    return Message("skip.text")


def _declared_size(kind: str | None, head: bytes) -> tuple[int, int] | None:
    """Width and height from the header, read without PIL (and so without PIL's own bomb check)."""
    parser = _SIZE_PARSERS.get(kind)
    try:
        return parser(head) if parser else None
    except (IndexError, ValueError):
        return None


def _png_size(head: bytes):
    if head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _gif_size(head: bytes):
    return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")


def _bmp_size(head: bytes):
    if int.from_bytes(head[14:18], "little") == 12:
        return int.from_bytes(head[18:20], "little"), int.from_bytes(head[20:22], "little")
    w = int.from_bytes(head[18:22], "little", signed=True)
    h = int.from_bytes(head[22:26], "little", signed=True)
    return abs(w), abs(h)


def _webp_size(head: bytes):
    chunk = head[12:16]
    if chunk == b"VP8X":
        return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
    if chunk == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 ":
        return int.from_bytes(head[26:28], "little") & 0x3FFF, int.from_bytes(head[28:30], "little") & 0x3FFF
    return None


def _jpeg_size(head: bytes):
    i = 2
    while i + 9 <= len(head):
        if head[i] != 0xFF:
            return None
        marker = head[i + 1]
        if marker == 0xFF:                                # fill byte
            i += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD8:    # markers without a length
            i += 2
        elif 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):   # start of frame
            return int.from_bytes(head[i + 7 : i + 9], "big"), int.from_bytes(head[i + 5 : i + 7], "big")
        else:
            i += 2 + int.from_bytes(head[i + 2 : i + 4], "big")
    return None


_SIZE_PARSERS = {"PNG": _png_size, "GIF": _gif_size, "BMP": _bmp_size, "WebP": _webp_size, "JPEG": _jpeg_size}


# --- putting it together -------------------------------------------------------------------------


def _assemble(root, scan: _Scan, images, outcomes, size, channels, demo_name, cancel=None) -> ImageDataset:
    loaded = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, bool)]
    skipped = list(scan.skipped)
    skipped += [SkippedFile(scan.candidates[i].rel, o) for i, o in enumerate(outcomes) if isinstance(o, Message)]
    skipped.sort(key=lambda s: s.path)
    if not loaded:
        if scan.single_file:
            raise DatasetError("dataset.unusable", path=root, reason=skipped[0].reason)
        raise DatasetError("dataset.no_images", path=root, reason=_skipped_digest(skipped))
    images = _compact(images, loaded)
    if channels is None and all(outcomes[i] for i in loaded):
        images = np.ascontiguousarray(images[..., :1])
    files = [scan.candidates[i] for i in loaded]
    label_names, labels = _labels([f.rel for f in files])
    notes = list(scan.notes)
    captions, sources, caption_files = _captions(scan, [f.rel for f in files], notes, _Poll(cancel, root))
    channels_out = images.shape[-1]
    report = DatasetReport(
        root=root,
        found=len(scan.candidates) + len(scan.skipped),
        loaded=len(files),
        skipped=tuple(skipped),
        labels=label_names,
        label_counts=_label_counts(label_names, labels),
        captioned=sum(1 for c in captions if c),
        caption_source="+".join(s for s in _CAPTION_SOURCES if s in sources) or "none",
        channels=channels_out,
        size=size,
        notes=tuple(notes),
    )
    return ImageDataset(
        images=images,
        labels=labels,
        captions=tuple(captions),
        files=tuple(f.rel for f in files),
        report=report,
        fingerprint=_fingerprint(files, caption_files, size, channels_out, demo_name and os.path.basename(root)),
    )


def _compact(images: np.ndarray, loaded: list[int]) -> np.ndarray:
    """Move loaded rows to the front in place (no second copy of the set); drop the rest."""
    for j, i in enumerate(loaded):
        if i != j:
            images[j] = images[i]
    return images[: len(loaded)]


class _Poll:
    """Raises the cancel error when `cancel` says so; asks it at most every _POLL_S (reading 50,000
    caption files takes seconds, asking 50,000 times would cost more than the reading)."""

    def __init__(self, cancel: CancelFn | None, root: str):
        self.cancel, self.root, self.next = cancel, root, 0.0

    def __call__(self) -> None:
        now = time.monotonic()
        if self.cancel is not None and now >= self.next:
            self.next = now + _POLL_S
            if self.cancel():
                raise DatasetError("dataset.cancelled", path=self.root)


def _labels(rels: list[str]) -> tuple[tuple[str, ...], np.ndarray | None]:
    groups = [rel.split("/", 1)[0] if "/" in rel else NO_LABEL for rel in rels]
    names = tuple(sorted(set(groups)))
    if len(names) < 2:
        return (), None
    index = {name: k for k, name in enumerate(names)}
    return names, np.array([index[g] for g in groups], dtype=np.int64)


def _label_counts(names: tuple[str, ...], labels: np.ndarray | None) -> dict[str, int]:
    if labels is None:
        return {}
    counts = np.bincount(labels, minlength=len(names))
    return {name: int(n) for name, n in zip(names, counts)}


def _captions(scan: _Scan, rels: list[str], notes: list[Message],
              poll=None) -> tuple[list[str], set[str], list[_Candidate]]:
    """Caption per image, the sources used, and the caption files read (for the fingerprint)."""
    from_metadata = _metadata_captions(scan.metadata, set(rels), notes)
    captions, sources, files = [], set(), list(scan.metadata)
    for rel in rels:
        text, side = _text_caption(scan, rel, notes) if scan.texts else ("", None)
        if side is not None and poll is not None:
            poll()
        source = "txt"
        if side is not None:
            files.append(side)
        if not text and rel in from_metadata:
            text, source = from_metadata[rel]
        captions.append(text)
        if text:
            sources.add(source)
    return captions, sources, files


def _text_caption(scan: _Scan, rel: str, notes: list[Message]) -> tuple[str, _Candidate | None]:
    for text_rel in (rel + ".txt", posixpath.splitext(rel)[0] + ".txt"):
        side = scan.texts.get(text_rel)
        if side is not None:
            try:
                with open(side.path, "rb") as f:
                    raw = f.read(_CAPTION_MAX_BYTES)
            except OSError as e:
                notes.append(Message("dataset.caption_unreadable", path=text_rel, reason=os_reason(e)))
                continue
            return _clean_caption(raw.decode("utf-8-sig", errors="replace")), side
    return "", None


def _metadata_captions(files: list[_Candidate], wanted: set[str], notes: list[Message]) -> dict[str, tuple[str, str]]:
    """file rel path -> (caption, source name); deeper metadata files override shallower ones."""
    captions: dict[str, tuple[str, str]] = {}
    for meta in sorted(files, key=lambda m: (m.rel.count("/"), m.rel)):
        folder = posixpath.dirname(meta.rel)
        source = posixpath.basename(meta.rel).lower()
        rows, bad = _read_metadata(meta, source)
        unmatched = 0
        for file_name, text in rows:
            rel = posixpath.normpath(posixpath.join(folder, file_name.replace("\\", "/").lstrip("/")))
            if rel in wanted:
                captions[rel] = (_clean_caption(text), source)
            else:
                unmatched += 1
        if bad:
            notes.append(Message("dataset.bad_metadata_lines", path=meta.rel, count=len(bad), first=bad[0]))
        if unmatched:
            notes.append(Message("dataset.unmatched_metadata", path=meta.rel, count=unmatched))
    return captions


def _read_metadata(meta: _Candidate, source: str) -> tuple[list[tuple[str, str]], list[Message]]:
    try:
        with open(meta.path, encoding="utf-8-sig", errors="replace", newline="") as f:
            content = f.read()
    except OSError as e:
        return [], [Message("skip.unreadable", reason=os_reason(e))]
    if source == "metadata.jsonl":
        return _jsonl_rows(content.splitlines())
    return _csv_rows(content)


def _jsonl_rows(lines: Iterable[str]) -> tuple[list[tuple[str, str]], list[Message]]:
    rows, bad = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            bad.append(Message("metadata.line", line=number, reason=Message("metadata.not_json")))
            continue
        row = _metadata_row(record)
        if isinstance(row, Message):
            bad.append(Message("metadata.line", line=number, reason=row))
        else:
            rows.append(row)
    return rows, bad


def _csv_rows(content: str) -> tuple[list[tuple[str, str]], list[Message]]:
    rows, bad = [], []
    try:
        reader = csv.DictReader(io.StringIO(content))
        for record in reader:
            row = _metadata_row(record)
            if isinstance(row, Message):
                bad.append(Message("metadata.line", line=reader.line_num, reason=row))
            else:
                rows.append(row)
    except csv.Error as e:
        bad.append(Message("metadata.not_csv", error=str(e)))
    return rows, bad


def _metadata_row(record) -> tuple[str, str] | Message:
    """(file_name, text), or why the record cannot be used."""
    if not isinstance(record, dict):
        return Message("metadata.not_an_object")
    file_name = record.get("file_name")
    if not isinstance(file_name, str) or not file_name:
        return Message("metadata.no_file_name")
    text = next((record[k] for k in _TEXT_COLUMNS if isinstance(record.get(k), str)), None)
    if text is None:
        return Message("metadata.no_text")
    return file_name, text


def _clean_caption(text: str) -> str:
    return " ".join(text.split())


def _fingerprint(files: list[_Candidate], caption_files: list[_Candidate], size: int, channels: int, demo: str | None) -> str:
    """sha256 over what identifies the set on disk; no pixels are hashed.

    Caption files count too (editing captions changes the dataset). A demo set
    is drawn deterministically, so it is identified by its folder name
    ("shapes-v1") and file names alone: regenerating it keeps its fingerprint.
    """
    digest = hashlib.sha256(f"genstudio-dataset-v1\0size={size}\0channels={channels}\n".encode())
    if demo:
        digest.update(f"demo\0{demo}\n".encode())
        caption_files = []
    for kind, group in (("image", files), ("caption", sorted(caption_files, key=lambda c: c.rel))):
        for c in group:
            stamp = "" if demo else f"\0{c.size}\0{c.mtime_ns}"
            digest.update(f"{kind}\0{c.rel}{stamp}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


# --- wording -------------------------------------------------------------------------------------


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


def _extension_list() -> str:
    return " ".join(sorted(IMAGE_EXTENSIONS))



def _exception_text(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 200 else text[:197] + "..."


# A skip reason's kind, as the summary counts them: "cannot read: permission denied" is a "cannot read".
_SKIP_KINDS = {
    "skip.unreadable": "skip.kind.unreadable", "skip.undecodable": "skip.kind.undecodable",
    "skip.unidentified": "skip.kind.unidentified", "skip.unrecognised": "skip.kind.not_an_image",
    "skip.git_lfs": "skip.kind.not_an_image", "skip.html": "skip.kind.not_an_image",
    "skip.svg": "skip.kind.not_an_image", "skip.text": "skip.kind.not_an_image",
    "skip.bomb": "skip.kind.too_large", "skip.declares_too_many_pixels": "skip.kind.too_large",
    "skip.truncated": "skip.kind.truncated", "skip.empty": "skip.kind.empty",
}


def _reason_kinds(skipped: Iterable[SkippedFile]) -> list[tuple[Message, int]]:
    """Skip reasons grouped by their kind, most frequent first."""
    counts: dict[Message, int] = {}
    for s in skipped:
        kind = Message(_SKIP_KINDS[s.reason.id], **s.reason.args) if s.reason.id in _SKIP_KINDS else s.reason
        counts[kind] = counts.get(kind, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def _skipped_digest(skipped: list[SkippedFile], shown: int = 3) -> Message:
    items = tuple(Message("dataset.skipped_file", path=s.path, reason=s.reason) for s in skipped[:shown])
    if len(skipped) > shown:
        return Message("dataset.skipped_more", count=len(skipped), items=items, more=len(skipped) - shown)
    return Message("dataset.skipped", count=len(skipped), items=items)
