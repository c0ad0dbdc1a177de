"""A trained run leaves genstudio as one folder or one zip, and comes back in whole.

    <name>/README.md               the model card (Markdown): family, parameters, dataset,
                                   training steps and time, final metrics, the two pictures below
    <name>/genstudio-export.json   what was exported: name, source, step, and every file's size and sha256
    <name>/config.json             the run's config: family and its config, data info and vocabulary,
                                   dataset summary, versions
    <name>/metrics.jsonl           the training history, one JSON record per logged step
    <name>/checkpoints/last.safetensors (+ last.json)   the weights (the latest checkpoint)
    <name>/training_curve.png      the losses over the steps
    <name>/samples.png             a grid of samples from the exported weights (seed 0)
    <name>/gallery/*.png           the images the studio's gallery kept for the run, each a PNG with its
                                   generation parameters (unless left out: `gallery=False`, `--no-gallery`)

Importing never runs anything from the archive. Before a byte is written, every member is
checked: its name (no absolute paths, `..`, backslashes, drive letters), its kind (regular
files of the kinds above only: no links, no pickles, by extension and by their first bytes),
declared sizes, compression ratios and the member count (zip bombs), JSON parsed as data,
safetensors headers checked against the sizes, every PNG decoded by Pillow's PNG reader alone
after its size in pixels was checked (gallery images also by the names the gallery gives them).
Only then is it extracted into a hidden
temporary folder beside the runs, its sha256 sums compared with the manifest, opened as a
run, and renamed to a free name: an import never replaces a user's run. Every refusal is
an ArchiveError whose message names the archive and the reason.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import time
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable

import numpy as np
from PIL import Image

from studio import __version__
from studio.engine.checkpoint import CheckpointError, hash_path, read_meta
from studio.engine.export import make_grid, png_bytes
from studio.engine.provenance import Provenance
from studio.engine.families.base import DataInfo, get_family
from studio.engine.gallery import GALLERY_FOLDER, KEPT_NAME
from studio.engine.messages import EngineError, Message, message_of, os_reason
from studio.engine.run import LAST, Run, RunError
from studio.engine.sheets import training_curve

EXPORT_FORMAT = "genstudio.export"
EXPORT_VERSION = 1
MANIFEST = "genstudio-export.json"
CARD = "README.md"
CURVE = "training_curve.png"
SAMPLES = "samples.png"
SAMPLE_COUNT, SAMPLE_SEED = 16, 0
# <run>/gallery/: the images the studio's gallery kept for the run, by the names it gives them
GALLERY, GALLERY_NAME = GALLERY_FOLDER, KEPT_NAME

# -- what an import accepts ------------------------------------------------------------------------
MAX_RUN_MEMBERS = 64                  # members besides the gallery images
MAX_GALLERY_IMAGES = 5000             # an export holds the newest this many
MAX_MEMBERS = MAX_RUN_MEMBERS + MAX_GALLERY_IMAGES
MAX_WEIGHTS_BYTES = 16 << 30          # one .safetensors file
MAX_OTHER_BYTES = 256 << 20           # any other member (a long run's metrics.jsonl stays far below)
MAX_GALLERY_BYTES = 16 << 20          # one gallery PNG (a 1024 x 1024 RGB image is at most ~3 MB)
MAX_PNG_PIXELS = 4096 * 4096          # any PNG, checked before it is decoded
MAX_TOTAL_BYTES = 32 << 30
MAX_RATIO = 200                       # uncompressed / compressed, for members above RATIO_FLOOR
RATIO_FLOOR = 1 << 20
MAX_NAME = 255
_CHUNK = 1 << 20
_ALLOWED = (                          # (folder, extensions) a member may have
    ("", (".json", ".jsonl", ".md", ".png")),
    ("checkpoints", (".safetensors", ".json")),
    ("samples", (".png",)),
    (GALLERY, (".png",)),             # and only by the names the gallery gives (GALLERY_NAME)
)
_PICKLE_EXTENSIONS = {".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".npy", ".npz", ".joblib", ".dill",
                      ".pyc", ".py", ".sh", ".exe", ".dll", ".so"}
_SAFETENSORS_DTYPES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1,
                       "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1, "U16": 2, "U32": 4, "U64": 8}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]

log = logging.getLogger(__name__)


class ArchiveError(EngineError):
    """An export or import cannot go on; str(e) names the archive (or run) and the reason."""


# == export ========================================================================================
def export_run(run_path: Path | str, out: Path | str, *, as_folder: bool = False, overwrite: bool = False,
               samples: int = SAMPLE_COUNT, gallery: bool = True, progress: ProgressFn | None = None,
               cancel: CancelFn | None = None) -> Path:
    """Write the run at `run_path` as a zip (default) or a folder at `out`; return `out`.

    samples: images in the model card's sample grid (0: none; sampling a large diffusion
    model on a CPU is most of an export's time). gallery: include the images the gallery kept
    in `<run>/gallery/` (the newest MAX_GALLERY_IMAGES; a file there that is not one, by its
    name, or that an import would refuse, is left out with a log line). progress(done, 100) and cancel() as in
    engine/data.py. `out` is written whole or not at all (a temporary file or folder renamed
    into place). An existing `out` is replaced only with `overwrite` (a zip; a folder never).
    """
    try:
        run = Run.open(Path(run_path))
    except RunError as e:
        raise ArchiveError(e.message) from None
    out = Path(out).expanduser()
    if out.exists() and (as_folder or not overwrite):
        raise ArchiveError("archive.exists", path=out)
    checkpoint = run.latest_checkpoint()
    if checkpoint is None:
        raise ArchiveError("archive.no_checkpoint", path=run.path)
    files = _export_files(run, checkpoint, out.stem if not as_folder else out.name, samples, gallery, progress,
                          cancel)
    try:
        (_write_folder if as_folder else _write_zip)(out, files)
    except OSError as e:
        raise ArchiveError("archive.cannot_write", path=out, reason=os_reason(e)) from None
    return out


@dataclass
class _Member:
    """One file of an export: its bytes, or (a gallery image) the file they are read from again when written."""

    name: str
    data: bytes | None = None
    path: Path | None = None
    size: int = 0
    sha256: str = ""

    def __post_init__(self):
        if self.data is not None:
            self.size, self.sha256 = len(self.data), hashlib.sha256(self.data).hexdigest()

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        try:
            with _open_no_follow(self.path) as f:
                data = f.read(self.size + 1)
        except OSError as e:
            raise ArchiveError("archive.no_longer_readable", path=self.path, reason=os_reason(e)) from None
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise ArchiveError("archive.changed", path=self.path)
        return data


def _export_files(run: Run, checkpoint: Path, name: str, samples: int, gallery: bool, progress,
                  cancel) -> list[_Member]:
    def step(done: float) -> None:      # in percent; sampling the grid is 5 to 85, the gallery 85 to 95
        if cancel and cancel():
            raise ArchiveError("archive.export_cancelled", path=run.path)
        if progress:
            progress(int(done), 100)

    step(0)
    try:   # one read: training may replace the checkpoint meanwhile, and the weights, their hash, card and
        weights = checkpoint.read_bytes()              # samples must all be of one version
        with tempfile.TemporaryDirectory(prefix=".export-") as folder:
            snapshot = Path(folder) / checkpoint.name
            snapshot.write_bytes(weights)
            meta = read_meta(snapshot)
            family, ckpt = run.load_family(snapshot)
    except (CheckpointError, RunError) as e:
        raise ArchiveError(e.message.replacing(str(snapshot), str(checkpoint))) from None
    except OSError as e:
        raise ArchiveError("archive.unreadable", path=checkpoint, reason=os_reason(e)) from None
    step(5)
    grid = _sample_grid(run, family, ckpt.step, hashlib.sha256(weights).hexdigest()[:10], samples,
                        lambda fraction: step(5 + 80 * fraction)) if samples > 0 else None
    kept, older = (_gallery_members(run.path / GALLERY, lambda fraction: step(85 + 10 * fraction))
                   if gallery else ([], 0))
    metrics = run.read_metrics()
    curve = png_bytes(training_curve(metrics))
    step(95)
    config = shareable_config(run.config)
    files = [
        _Member("config.json", (json.dumps(config, indent=2, sort_keys=True) + "\n").encode()),
        _Member("metrics.jsonl", "".join(json.dumps(r, sort_keys=True) + "\n" for r in metrics).encode()),
        _Member(f"checkpoints/{LAST}.json", (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode()),
        _Member(f"checkpoints/{LAST}.safetensors", weights),
        _Member(CURVE, curve),
        *([_Member(SAMPLES, grid)] if grid else []),
    ]
    facts = {**model_facts(config, meta, family.parameter_count(), metrics), "samples": max(0, samples),
             "gallery": len(kept), "gallery_older_left_out": older}
    manifest = _manifest(name, run, meta, facts, files + kept)
    files.append(_Member(MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()))
    files.append(_Member(CARD, model_card(name, facts).encode()))
    step(100)
    return files + kept                 # the gallery last: the manifest is among an archive's first names


def _gallery_members(folder: Path, done: Callable[[float], None]) -> tuple[list[_Member], int]:
    """The newest MAX_GALLERY_IMAGES images kept in a run's gallery folder, each checked as an import checks
    it. -> (the members, how many older images were left out)."""
    try:
        paths = sorted(p for p in folder.iterdir() if not p.name.startswith("."))    # .tmp: a write under way
    except (FileNotFoundError, NotADirectoryError):
        return [], 0
    except OSError as e:
        raise ArchiveError("archive.unreadable", path=folder, reason=os_reason(e)) from None
    images = []
    for path in paths:
        try:
            regular = stat.S_ISREG(path.lstat().st_mode)            # not a link: it could point anywhere
        except OSError:
            continue
        if regular and GALLERY_NAME.match(path.name):
            images.append(path)
        else:
            log.warning("export: left out %s: not an image the gallery kept", path)
    members, older = [], 0
    for i, path in enumerate(reversed(images)):                     # newest first, while there is room
        done(i / len(images))
        if len(members) == MAX_GALLERY_IMAGES:
            older += 1
            continue
        try:
            with _open_no_follow(path) as f:
                data = f.read(MAX_GALLERY_BYTES + 1)
        except OSError as e:
            log.warning("export: left out %s: %s", path, e.strerror or e)
            continue
        problem = (f"larger than {MAX_GALLERY_BYTES:,} bytes" if len(data) > MAX_GALLERY_BYTES
                   else png_problem(data, gallery=True))
        if problem:
            log.warning("export: left out %s: %s", path, problem)
            continue
        members.append(_Member(f"{GALLERY}/{path.name}", path=path, size=len(data),
                               sha256=hashlib.sha256(data).hexdigest()))
    members.reverse()                                               # in the order they were added
    return members, older


def png_problem(data: bytes, *, gallery: bool = False) -> Message | None:
    """Why `data` is not a PNG image an export may hold (None: it is one). Only Pillow's PNG reader sees
    it, after the size in pixels was read from the header: chunk checksums are verified, then every pixel
    decoded. A gallery image is also grayscale or RGB, as the gallery writes them."""
    if not data.startswith(_PNG_SIGNATURE):
        return Message("png.not_png")
    if data[12:16] != b"IHDR" or len(data) < 24:
        return Message("png.no_header")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if width * height > MAX_PNG_PIXELS:                 # before Pillow sees it
        return Message("png.too_many_pixels", width=width, height=height, limit=MAX_PNG_PIXELS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG"]) as im:
                if im.size != (width, height):
                    return Message("png.header_mismatch")
                if gallery and im.mode not in ("L", "RGB"):
                    return Message("png.mode", mode=im.mode)
                im.verify()
            with Image.open(io.BytesIO(data), formats=["PNG"]) as im:
                im.load()
    except Exception as e:             # Pillow's and zlib's errors on broken data are of many kinds
        return Message("png.unreadable", error=f"{type(e).__name__}: {str(e)[:80]}")
    return None


def shareable_config(config: dict) -> dict:
    """The run config without where the dataset lay on this machine (a home folder says who made it, and the
    path means nothing elsewhere): its folder's name stays, in `source_name`."""
    dataset = dict(config.get("dataset") or {})
    source = dataset.get("source")
    if isinstance(source, str) and source and not source.startswith("demo:"):
        name = PurePosixPath(source.replace("\\", "/")).name or source
        dataset.update(source=None, source_name=name)
        if isinstance(dataset.get("summary"), str):
            dataset["summary"] = dataset["summary"].replace(source, name)
    return {**config, "dataset": dataset}


def _sample_grid(run: Run, family, step: int, checkpoint_hash: str, count: int,
                 done: Callable[[float], None]) -> bytes:
    """`count` samples of the exported weights (seed SAMPLE_SEED) as one PNG, enlarged to be seen."""
    import torch
    with torch.inference_mode():
        last = None
        for last in family.sample(count, seed=SAMPLE_SEED):
            done(last.step / max(1, last.total))        # also where a cancel takes effect
    images = np.asarray(last.images)
    scale = max(1, 64 // images.shape[1])
    images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    model = Provenance(family=family.name, model=run.path.name, checkpoint_hash=checkpoint_hash, checkpoint_step=step)
    params = model.for_image(seed=SAMPLE_SEED, prompt=None, options={}, image_size=family.data.image_size,
                             version=__version__)
    return png_bytes(make_grid(images, ncols=8), params.updated(grid=count, scale=scale))


def _manifest(name: str, run: Run, meta: dict, facts: dict, files: list[_Member]) -> dict[str, Any]:
    listed = {member.name: {"size": member.size, "sha256": member.sha256} for member in files}
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "name": name,
            "exported": time.strftime("%Y-%m-%dT%H:%M:%S"), "genstudio": __version__, "source_run": run.path.name,
            "family": run.family_name, "step": int(meta.get("step", 0)), "facts": facts, "files": listed}


def _write_zip(out: Path, files: list[_Member]) -> None:
    """A zip with every file under one top folder (out's stem), written to a temp file then renamed."""
    top = out.stem
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as zf:
            for member in files:
                stored = member.name.endswith((".safetensors", ".png"))    # they hardly compress
                info = zipfile.ZipInfo(f"{top}/{member.name}", date_time=time.localtime()[:6])
                info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                with zf.open(info, "w", force_zip64=True) as dst:
                    dst.write(member.read())
            zf.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_folder(out: Path, files: list[_Member]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        for member in files:
            path = tmp / member.name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as dst:
                dst.write(member.read())
        os.rename(tmp, out)             # out did not exist a moment ago; rename fails if a non-empty one appeared
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# -- the model card -----------------------------------------------------------------------------------
def model_facts(config: dict, meta: dict, parameters: int, metrics: list[dict]) -> dict[str, Any]:
    """What the model card says, as data (the manifest keeps it too)."""
    train = [r for r in metrics if r.get("kind", "train") == "train"]
    val = [r for r in metrics if r.get("kind") == "val"]
    numbers = lambda record: {k: v for k, v in record.items()               # noqa: E731
                              if isinstance(v, (int, float)) and not isinstance(v, bool)
                              and k not in ("step", "epoch", "seconds", "images_per_sec", "lr", "beta")}
    data, family = config.get("data", {}), config["family"]
    return {
        "family": family, "family_title": _family_title(family), "parameters": int(parameters),
        "family_config": config.get("family_config", {}), "image_size": data.get("image_size"),
        "channels": data.get("channels"), "labels": list(data.get("label_names", [])),
        "vocabulary_size": len(data.get("vocabulary", [])), "dataset": config.get("dataset", {}),
        "steps": int(meta.get("step", 0)), "train_seconds": float(meta.get("train_seconds", 0.0) or 0.0),
        "device": config.get("train_config", {}).get("device"), "versions": config.get("versions", {}),
        "final_train": numbers(train[-1]) if train else {}, "final_val": numbers(val[-1]) if val else {},
    }


def _family_title(name: str) -> str:
    try:
        return get_family(name).title
    except Exception:                   # an unknown family still gets a card
        return name


def _duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min {s:02d} s" if m else f"{s} s"


def _metric_table(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.4g}" for k, v in sorted(values.items())) or "—"


def model_card(name: str, facts: dict[str, Any]) -> str:
    """The Markdown model card of an export."""
    dataset = facts.get("dataset", {})
    summary = str(dataset.get("summary") or dataset.get("source_name") or dataset.get("source") or "unknown").strip()
    labels = facts["labels"]
    label_line = (f"{len(labels)} labels: {', '.join(labels[:20])}{' …' if len(labels) > 20 else ''}"
                  if labels else "No labels")
    config = json.dumps(facts["family_config"], sort_keys=True)
    versions = ", ".join(f"{k} {v}" for k, v in sorted(facts.get("versions", {}).items()))
    channels = f"{facts['channels']} channel{'s' if facts['channels'] != 1 else ''}"
    fingerprint = dataset.get("fingerprint", "—")
    count = facts.get("samples", SAMPLE_COUNT)
    samples = (f"![{count} samples, seed {SAMPLE_SEED}]({SAMPLES})\n\n{count} images drawn from the exported (EMA) "
               f"weights with seed {SAMPLE_SEED}; the PNG carries its parameters." if count else
               "No sample grid was made for this export.")
    kept, older = facts.get("gallery", 0), facts.get("gallery_older_left_out", 0)
    gallery = (f"- `{GALLERY}/`: {kept:,} image{'s' if kept != 1 else ''} kept in genstudio's gallery, each a PNG "
               f"carrying the parameters that made it (drop one on genstudio to recall them)"
               + (f"; the newest {kept:,}, {older:,} older ones were left out" if older else "") + "\n"
               if kept else "")
    return f"""# {name}

A **{facts['family_title']}** (`{facts['family']}`) trained from scratch with genstudio.

| | |
|---|---|
| Family | {facts['family_title']} (`{facts['family']}`) |
| Parameters | {facts['parameters']:,} |
| Images | {facts['image_size']}×{facts['image_size']} pixels, {channels} |
| Training | {facts['steps']:,} steps in {_duration(facts['train_seconds'])} on {facts['device'] or 'auto'} |
| Final training losses | {_metric_table(facts['final_train'])} |
| Final validation losses | {_metric_table(facts['final_val'])} |
| Made with | {versions} |

Configuration: `{config}`

## Dataset

```
{summary}
```

{label_line}; a caption vocabulary of {facts['vocabulary_size']:,} words. Fingerprint `{fingerprint}`.
The training images themselves are not part of this export.

## Training curve

![Training losses over the steps]({CURVE})

## Samples

{samples}

## Files

- `checkpoints/last.safetensors`: the weights (safetensors; loading them runs no code), its metadata in `last.json`
- `config.json`: the family, its configuration and what it knows of the data (labels, vocabulary)
- `metrics.jsonl`: the training history, one JSON record per logged step
{gallery}- `{MANIFEST}`: every file's size and sha256

## Use

```
genstudio import {name}.zip
genstudio sample RUN -n 16 --out samples/
```
"""


# == import ========================================================================================
@dataclass(frozen=True)
class _Entry:
    """One member of an archive or an exported folder, as declared before anything is read."""

    name: str               # relative, '/'-separated, top folder removed
    size: int               # uncompressed bytes
    open: Callable[[], Any]  # -> a binary file object
    member: str = ""         # the name as the archive spells it, for messages

    def __str__(self) -> str:
        return self.member or self.name


def import_run(source: Path | str, runs_dir: Path | str | None = None, *, progress: ProgressFn | None = None,
               cancel: CancelFn | None = None) -> Path:
    """Check an exported run (zip or folder), then add it to `runs_dir` under a free name; return its folder."""
    source = Path(source).expanduser()
    if runs_dir is None:
        from studio.paths import runs_dir as default_runs_dir
        runs_dir = default_runs_dir()
    runs_dir = Path(runs_dir)
    if not source.exists():
        raise ArchiveError("archive.not_found", path=source)
    try:
        if source.is_dir():
            return _import_entries(source, _folder_entries(source), source.name, runs_dir, progress, cancel)
        if not zipfile.is_zipfile(source):
            raise ArchiveError("archive.not_an_archive", path=source)
        with zipfile.ZipFile(source) as zf:
            entries, top = _zip_entries(source, zf)
            return _import_entries(source, entries, top or source.stem, runs_dir, progress, cancel)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as e:
        raise ArchiveError("archive.damaged", path=source, error=str(e)) from None
    except OSError as e:
        raise ArchiveError("archive.unreadable", path=source, reason=os_reason(e)) from None


def _refuse(source: Path, reason: str, /, **args) -> ArchiveError:
    """"<source>: refused: <reason>", the reason a message id and its arguments, or a Message."""
    reason = reason if isinstance(reason, Message) and not args else Message(reason, **args)
    return ArchiveError("archive.refused", path=source, reason=reason)


def check_member_name(source: Path, name: str) -> None:
    """Refuse names that could land outside the folder they are extracted into, or mean different things on
    different systems."""
    if "\\" in name:
        raise _refuse(source, "archive.member_backslash", name=name)
    if name.startswith("/"):
        raise _refuse(source, "archive.member_absolute", name=name)
    if re.match(r"^[A-Za-z]:", name):
        raise _refuse(source, "archive.member_drive", name=name)
    if len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        raise _refuse(source, "archive.member_unusable_name", name=name[:60])
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        raise _refuse(source, "archive.member_escapes", name=name)
    if any(part in ("", ".") for part in parts):
        raise _refuse(source, "archive.member_empty_part", name=name)
    if ":" in name or any(part != part.rstrip(" .") or part.split(".")[0].upper() in _WINDOWS_DEVICES
                          for part in parts):
        raise _refuse(source, "archive.member_windows_name", name=name)


def _zip_entries(source: Path, zf: zipfile.ZipFile) -> tuple[list[_Entry], str]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _refuse(source, "archive.too_many_members", count=len(infos), limit=MAX_MEMBERS)
    files = []
    for info in infos:
        check_member_name(source, info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _refuse(source, "archive.member_symlink", name=info.filename)
        if info.is_dir():
            continue
        if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
            raise _refuse(source, "archive.member_not_regular", name=info.filename)
        if info.flag_bits & 0x1:
            raise _refuse(source, "archive.member_encrypted", name=info.filename)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse(source, "archive.member_compression", name=info.filename)
        _check_size(source, info.filename, info.file_size)
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(1, info.compress_size):
            ratio = info.file_size / max(1, info.compress_size)
            raise _refuse(source, "archive.member_zip_bomb", name=info.filename, ratio=ratio, limit=MAX_RATIO)
        files.append(info)
    top = _common_top([info.filename for info in files])
    entries = [_Entry(info.filename[len(top) + 1:] if top else info.filename, info.file_size,
                      lambda info=info: zf.open(info), info.filename) for info in files]
    return entries, top


def _common_top(names: list[str]) -> str:
    """The one folder every name is under, or ''."""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        return tops.pop()
    return ""


def _folder_entries(source: Path) -> list[_Entry]:
    entries = []
    for root, dirs, files in os.walk(source, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(root) / name
            rel = path.relative_to(source).as_posix()
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                raise _refuse(source, "archive.file_symlink", name=rel)
            if stat.S_ISDIR(st.st_mode):
                continue
            if not stat.S_ISREG(st.st_mode):
                raise _refuse(source, "archive.file_not_regular", name=rel)
            check_member_name(source, rel)
            entries.append(_Entry(rel, st.st_size, lambda path=path: _open_no_follow(path)))
            if len(entries) > MAX_MEMBERS:
                raise _refuse(source, "archive.too_many_files", limit=MAX_MEMBERS)
    return entries


def _open_no_follow(path: Path):
    """Open a file for reading, refusing (ELOOP) one replaced by a link since it was checked."""
    return os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)), "rb")


def _check_entries(source: Path, entries: list[_Entry]) -> None:
    """Names, kinds and declared sizes: everything that can be judged without reading a byte."""
    gallery = sum(1 for entry in entries if PurePosixPath(entry.name).parent.as_posix() == GALLERY)
    if len(entries) - gallery > MAX_RUN_MEMBERS:
        raise _refuse(source, "archive.too_many_run_members", count=len(entries) - gallery, limit=MAX_RUN_MEMBERS)
    if gallery > MAX_GALLERY_IMAGES:
        raise _refuse(source, "archive.too_many_gallery_images", count=gallery, limit=MAX_GALLERY_IMAGES)
    seen: set[str] = set()
    total = 0
    for entry in entries:
        if entry.name.lower() in seen:
            raise _refuse(source, "archive.member_twice", name=str(entry))
        seen.add(entry.name.lower())
        _check_kind(source, entry.name, str(entry))
        _check_size(source, str(entry), entry.size)
        total += entry.size
    if total > MAX_TOTAL_BYTES:
        raise _refuse(source, "archive.too_many_bytes", total=total, limit=MAX_TOTAL_BYTES)
    for required in ("config.json", MANIFEST):
        if required not in seen:
            raise _refuse(source, "archive.missing_file", name=required)
    if not any(name.endswith(".safetensors") for name in seen):
        raise _refuse(source, "archive.no_weights")


def _in_gallery(name: str) -> bool:
    return PurePosixPath(name).parent.name == GALLERY


def _check_size(source: Path, name: str, size: int) -> None:
    limit = (MAX_WEIGHTS_BYTES if name.endswith(".safetensors") else MAX_GALLERY_BYTES if _in_gallery(name)
             else MAX_OTHER_BYTES)
    if size > limit:
        raise _refuse(source, "archive.member_too_large", name=name, size=size, limit=limit)


def _check_kind(source: Path, name: str, shown: str) -> None:
    path = PurePosixPath(name)
    suffix = path.suffix.lower()
    if suffix in _PICKLE_EXTENSIONS:
        raise _refuse(source, "archive.member_pickle_kind", name=shown, suffix=suffix)
    folder = path.parent.as_posix() if str(path.parent) != "." else ""
    if folder == GALLERY and not GALLERY_NAME.match(path.name):
        raise _refuse(source, "archive.member_gallery_name", name=shown)
    for allowed_folder, suffixes in _ALLOWED:
        if folder == allowed_folder and suffix in suffixes:
            return
    raise _refuse(source, "archive.member_kind", name=shown)


def _sniff(source: Path, name: str, head: bytes) -> None:
    """Refuse content that is not what its name says, pickles above all."""
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        raise _refuse(source, "archive.member_pickle", name=name)
    if head.startswith(b"PK\x03\x04"):
        raise _refuse(source, "archive.member_zip", name=name)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".png" and not head.startswith(_PNG_SIGNATURE):
        raise _refuse(source, "archive.member_png", name=name, problem=Message("png.not_png"))
    if suffix in (".json", ".jsonl", ".md") and b"\x00" in head:
        raise _refuse(source, "archive.member_binary", name=name)


def _read_json(source: Path, name: str, data: bytes, lines: bool = False) -> Any:
    """Parse JSON as data (json never constructs anything but dicts, lists, strings and numbers)."""
    try:
        text = data.decode("utf-8")
        if not lines:
            return json.loads(text)
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    except (UnicodeDecodeError, ValueError, RecursionError) as e:    # ValueError: also over-long integers
        raise _refuse(source, "archive.member_not_json", name=name, error=str(e)[:80]) from None
    if not all(isinstance(record, dict) for record in records):
        raise _refuse(source, "archive.member_not_json_objects", name=name)
    if not all(isinstance(record.get("step", 0), int) for record in records):
        raise _refuse(source, "archive.member_bad_step", name=name)
    return records


def check_safetensors_header(source: Path, name: str, head: bytes, size: int) -> None:
    """The safetensors header of a member (its first bytes) describes exactly `size` bytes of plain tensors,
    and carries genstudio checkpoint metadata."""
    def bad(reason: str, **args) -> ArchiveError:
        return _refuse(source, "archive.member_not_safetensors", name=name, reason=Message(reason, **args))

    if len(head) < 8:
        raise bad("safetensors.too_short")
    n = int.from_bytes(head[:8], "little")
    if n <= 1 or n + 8 > size or n > len(head) - 8:
        raise bad("safetensors.header_length")
    try:
        header = json.loads(head[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad("safetensors.header_not_json") from None
    if not isinstance(header, dict):
        raise bad("safetensors.header_not_table")
    end = 0
    for key, spec in sorted(((k, v) for k, v in header.items() if k != "__metadata__"),
                            key=lambda kv: _offsets(kv[1])[0] if isinstance(kv[1], dict) else -1):
        if not isinstance(spec, dict) or spec.get("dtype") not in _SAFETENSORS_DTYPES:
            raise bad("safetensors.tensor_dtype", key=key)
        shape = spec.get("shape")
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise bad("safetensors.tensor_shape", key=key)
        start, stop = _offsets(spec)
        if start != end or stop - start != int(np.prod(shape, dtype=np.int64)) * _SAFETENSORS_DTYPES[spec["dtype"]]:
            raise bad("safetensors.tensor_offsets", key=key)
        end = stop
    if 8 + n + end != size:
        raise bad("safetensors.size_mismatch", described=8 + n + end, size=size)
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict) or "genstudio" not in metadata:
        raise bad("safetensors.no_metadata")


def _offsets(spec: dict) -> tuple[int, int]:
    offsets = spec.get("data_offsets")
    if (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)
            and 0 <= offsets[0] <= offsets[1]):
        return offsets[0], offsets[1]
    return -1, -1


def _check_contents(source: Path, entries: list[_Entry], cancel) -> dict:
    """Read every member (nothing written yet): sniff, parse JSON, check safetensors headers. -> the manifest."""
    manifest = None
    for entry in entries:
        if cancel and cancel():
            raise ArchiveError("archive.import_cancelled", path=source)
        with entry.open() as f:
            if entry.name.endswith(".safetensors"):
                head = f.read(8)
                n = int.from_bytes(head, "little") if len(head) == 8 else 0
                head += f.read(min(n, 100 << 20)) if 0 < n < entry.size else b""
                _sniff(source, str(entry), head)
                check_safetensors_header(source, str(entry), head, entry.size)
                continue
            data = _read_limited(source, entry, f)
        _sniff(source, str(entry), data[:16])
        if PurePosixPath(entry.name).suffix.lower() == ".png":
            problem = png_problem(data, gallery=_in_gallery(entry.name))
            if problem:
                raise _refuse(source, "archive.member_png", name=str(entry), problem=problem)
        elif entry.name.endswith(".json"):
            value = _read_json(source, str(entry), data)
            if entry.name == MANIFEST:
                manifest = value
        elif entry.name.endswith(".jsonl"):
            _read_json(source, str(entry), data, lines=True)
        elif entry.name.endswith(".md"):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                raise _refuse(source, "archive.member_not_utf8", name=str(entry)) from None
    _check_manifest(source, manifest, entries)
    return manifest


def _read_limited(source: Path, entry: _Entry, f) -> bytes:
    """All of a member, never more than it declared (a lying size header is refused, not believed)."""
    data = f.read(entry.size + 1)
    if len(data) != entry.size:
        raise _refuse(source, "archive.member_larger" if len(data) > entry.size else "archive.member_smaller",
                      name=str(entry), size=entry.size)
    return data


def _check_manifest(source: Path, manifest: Any, entries: list[_Entry]) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != EXPORT_FORMAT:
        raise _refuse(source, "archive.not_a_manifest", name=MANIFEST)
    version = manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > EXPORT_VERSION:
        raise _refuse(source, "archive.newer", version=version)
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        raise _refuse(source, "archive.manifest_lists_nothing", name=MANIFEST)
    present = {e.name: e.size for e in entries if e.name not in (MANIFEST, CARD)}
    missing = sorted(set(listed) - set(present))
    extra = sorted(set(present) - set(listed))
    if missing or extra:
        if missing:
            raise _refuse(source, "archive.manifest_missing", names=", ".join(missing))
        raise _refuse(source, "archive.manifest_extra", names=", ".join(extra))
    for name, size in present.items():
        info = listed[name]
        if not isinstance(info, dict) or info.get("size") != size or not isinstance(info.get("sha256"), str):
            raise _refuse(source, "archive.member_size_mismatch", name=name)


def _extract(source: Path, entries: list[_Entry], manifest: dict, folder: Path, progress, cancel) -> None:
    """Copy every member into `folder`, counting bytes and comparing each sha256 with the manifest; each
    checkpoint gets its .sha256 beside it, so the run checks its weights at load as a run trained here does."""
    total = sum(e.size for e in entries) or 1
    done = 0
    for entry in entries:
        if cancel and cancel():
            raise ArchiveError("archive.import_cancelled", path=source)
        path = folder.joinpath(*entry.name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, written = hashlib.sha256(), 0
        with entry.open() as src, open(path, "xb") as dst:
            for chunk in iter(lambda: src.read(_CHUNK), b""):
                written += len(chunk)
                if written > entry.size:
                    raise _refuse(source, "archive.member_larger", name=str(entry), size=entry.size)
                digest.update(chunk)
                dst.write(chunk)
                if progress:
                    progress(done + written, total)
        done += entry.size
        expected = manifest["files"].get(entry.name, {}).get("sha256")
        if expected is not None and digest.hexdigest() != expected:
            raise _refuse(source, "archive.member_damaged", name=str(entry))
        if path.suffix == ".safetensors":
            hash_path(path).write_text(f"{digest.hexdigest()}  {path.name}\n", encoding="utf-8")


def _check_run(source: Path, folder: Path) -> Run:
    """The extracted folder opens as a run whose family exists and whose weights read."""
    try:
        run = Run.open(folder)
        cls = get_family(run.family_name)
        cls.Config.from_saved(run.config["family_config"])
        DataInfo.from_dict(run.config["data"])
        checkpoint = run.latest_checkpoint()
    except RunError as e:
        raise _refuse(source, e.message.replacing(str(folder), "the archive")) from None
    except Exception as e:             # an unknown family or a config this version cannot build
        raise _refuse(source, "archive.run_unusable", error=message_of(e)) from None
    if checkpoint is None:
        raise _refuse(source, "archive.weights_unreadable")
    return run


def _safe_run_name(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-_")[:64]
    return name or "imported-run"


def _import_entries(source: Path, entries: list[_Entry], name: str, runs_dir: Path, progress, cancel) -> Path:
    _check_entries(source, entries)
    needed = sum(e.size for e in entries)
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(runs_dir).free
    except OSError as e:
        raise ArchiveError("archive.runs_folder_unusable", path=runs_dir, reason=os_reason(e)) from None
    if needed > free:
        raise ArchiveError("archive.no_room", path=source, needed=needed / 1e9, folder=runs_dir, free=free / 1e9)
    manifest = _check_contents(source, entries, cancel)
    try:
        return _extract_and_move(source, entries, manifest, name, runs_dir, progress, cancel)
    except OSError as e:                 # the runs folder, more often than the archive: full disk, permissions
        raise ArchiveError("archive.cannot_import", path=source, folder=runs_dir, reason=os_reason(e)) from None


def _extract_and_move(source: Path, entries: list[_Entry], manifest: dict, name: str, runs_dir: Path,
                      progress, cancel) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=runs_dir))
    try:
        os.chmod(tmp, 0o755)            # mkdtemp makes it private; a run folder is not
        _extract(source, entries, manifest, tmp, progress, cancel)
        (tmp / "samples").mkdir(exist_ok=True)
        run = _check_run(source, tmp)
        run.update_config(imported={"from": source.name, "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
                                    "name": manifest.get("name")})
        return _move_to_free_name(tmp, runs_dir, _safe_run_name(str(manifest.get("name") or name)))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _move_to_free_name(tmp: Path, runs_dir: Path, name: str) -> Path:
    for n in range(1, 10_000):
        target = runs_dir / (name if n == 1 else f"{name}-{n}")
        if target.exists() or target.is_symlink():
            continue
        try:
            os.rename(tmp, target)      # a folder that appeared meanwhile is never replaced unless empty
            return target
        except OSError:
            continue
    raise ArchiveError("archive.no_free_name", path=runs_dir, name=name)
