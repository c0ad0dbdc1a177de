"""Checkpoints: safetensors for tensors, JSON for everything else, atomic writes.

A checkpoint is one `.safetensors` file whose header metadata carries the
whole JSON description (format, version, step, configs, ...), so the tensors
and what they mean are written by one atomic rename. A `.json` sidecar with the
same metadata is written after it for people and tools to read; the loader
trusts only the copy inside the `.safetensors` file.

Writes go to a temporary file in the same folder, are fsync'ed, then renamed
over the target (and the folder fsync'ed): a kill or a full disk at any moment
leaves the previous checkpoint whole. Nothing here unpickles.

Each checkpoint's sha256 is written beside it (`last.sha256`, in sha256sum's
format: `cd checkpoints && sha256sum -c last.sha256` checks it by hand) and
checked at load: a damaged or truncated file is refused, never used. The hash
file is replaced in two steps around the checkpoint's rename, so a kill between
any two writes leaves a hash file that vouches for whichever checkpoint is there:

    1. last.sha256 lists the new hash *and* the ones it listed (the file there now)
    2. last.safetensors is renamed into place
    3. last.sha256 lists the new hash alone

A checkpoint with no hash file (saved before genstudio wrote them, or imported)
is accepted unverified; so is one whose hash file cannot be read or parsed.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from safetensors import SafetensorError

from studio.engine.messages import EngineError, Message, os_reason

if TYPE_CHECKING:
    import torch

# torch (and safetensors.torch) are imported where tensors are read or written: the app's window
# imports this module for atomic writes and checkpoint headers, and must appear before torch loads.

FORMAT = "genstudio.checkpoint"
VERSION = 1
META_KEY = "genstudio"  # key of the JSON blob in the safetensors header
HASH_SUFFIX = ".sha256"  # the hash file beside each checkpoint
FULL_DISK = (errno.ENOSPC, errno.EDQUOT)


class CheckpointError(EngineError):
    """A checkpoint cannot be read; str(e) names the file and the reason."""


class DiskFullError(CheckpointError, OSError):
    """A save found no room (ENOSPC, EDQUOT); the previous checkpoint is whole. `needed` is the size in bytes
    of what was being written; str(e) names the folder, that size and (from Run) the last good checkpoint."""

    def __init__(self, message: str, /, *, needed: int, os_errno: int, **args: Any):
        super().__init__(message, **args)
        self.needed, self.errno = needed, os_errno


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    tensors: dict[str, torch.Tensor]
    meta: dict[str, Any]
    warnings: tuple[Message, ...] = ()   # why newer checkpoints were passed over for this one (Run.load_checkpoint)

    @property
    def step(self) -> int:
        return int(self.meta.get("step", 0))

    def group(self, prefix: str) -> dict[str, torch.Tensor]:
        """Tensors under `prefix.` with the prefix removed."""
        p = prefix + "."
        return {k[len(p):]: v for k, v in self.tensors.items() if k.startswith(p)}


def _write_temporary(path: Path, data: bytes, rename: bool = False) -> str:
    """`data` in a new fsync'ed temporary file beside `path` (renamed onto `path` with `rename`); its name. On
    failure the temporary file is removed and an OSError without a file name is given `path`'s."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if rename:
            os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError) and e.filename is None and e.errno:   # a failed write names no file: name it
            raise OSError(e.errno, e.strerror, str(path)) from e
        raise
    return tmp


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves either the old or the new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_temporary(path, data, rename=True)
    _fsync_dir(path.parent)


def atomic_write_many(items: Iterable[tuple[Path, Callable[[], bytes]]], threads: int = 4) -> list[Path]:
    """Write many files as atomic_write_bytes does, each a temporary file renamed into place, but together: the
    bytes are made (a PNG encoded) and written and fsync'ed on `threads` threads (both release the GIL), and each
    folder is fsync'ed once. A failure while writing leaves no temporary file and renames nothing into place."""
    from concurrent.futures import ThreadPoolExecutor

    items = [(Path(path), make) for path, make in items]
    for folder in {path.parent for path, _ in items}:
        folder.mkdir(parents=True, exist_ok=True)

    def write(item: tuple[Path, Callable[[], bytes]]) -> str:
        path, make = item
        return _write_temporary(path, make())

    temporaries: list[str] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            futures = [pool.submit(write, item) for item in items]
            failure = None
            for future in futures:            # wait for all, so none is left writing when we clean up
                try:
                    temporaries.append(future.result())
                except BaseException as e:    # noqa: B036 (re-raised below)
                    failure = failure or e
            if failure is not None:
                raise failure
        for (path, _), tmp in zip(items, temporaries):
            os.replace(tmp, path)
    except BaseException:
        for tmp in temporaries:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise
    for folder in {path.parent for path, _ in items}:
        _fsync_dir(folder)
    return [path for path, _ in items]


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on every platform (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_checkpoint(path: Path, tensors: Mapping[str, torch.Tensor], meta: Mapping[str, Any]) -> Path:
    """Atomically write `path` (.safetensors) and its `.json` sidecar."""
    path = Path(path)
    full_meta = {"format": FORMAT, "version": VERSION, **meta}
    from safetensors.torch import save as st_save_bytes
    blob = json.dumps(full_meta, sort_keys=True)
    # safetensors wants contiguous, non-shared CPU tensors.
    cpu = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    data = st_save_bytes(_unshare(cpu), metadata={META_KEY: blob})
    digest = hashlib.sha256(data).hexdigest()       # of the bytes in memory: no second read of the file
    try:
        _write_with_hash(path, data, digest)
        atomic_write_text(path.with_suffix(".json"), json.dumps(full_meta, indent=2, sort_keys=True) + "\n")
    except OSError as e:
        if e.errno not in FULL_DISK:
            raise
        raise DiskFullError("checkpoint.disk_full", path=path, size=size_text(len(data)), reason=os_reason(e),
                            needed=len(data), os_errno=e.errno) from None
    return path


def _write_with_hash(path: Path, data: bytes, digest: str) -> None:
    """The checkpoint and its hash file, in the order the module's docstring gives."""
    listed = read_hashes(path)
    if listed is not None:                      # 1. vouch for the file there now and the new one
        atomic_write_text(hash_path(path), _hash_lines(path, (digest, *listed)))
    try:
        atomic_write_bytes(path, data)          # 2.
    except BaseException:
        if listed is not None:                  # not replaced: vouch for the file there alone again
            try:
                atomic_write_text(hash_path(path), _hash_lines(path, listed))
            except OSError:                     # (a full disk may refuse even this; both lines are harmless)
                pass
        raise
    atomic_write_text(hash_path(path), _hash_lines(path, (digest,)))   # 3.


def hash_path(path: Path) -> Path:
    """The hash file beside a checkpoint: last.safetensors -> last.sha256."""
    return Path(path).with_suffix(HASH_SUFFIX)


def read_hashes(path: Path) -> tuple[str, ...] | None:
    """The sha256 digests the hash file beside `path` vouches for (one, or two while a save is between its
    writes); None when there is none, or it cannot be read or parsed: the checkpoint is then unverified."""
    try:
        text = hash_path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    name = Path(path).name
    digests = tuple(dict.fromkeys(m[1] for m in _HASH_LINE.finditer(text) if m[2] == name))
    return digests or None


_HASH_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$", re.MULTILINE)


def _hash_lines(path: Path, digests: tuple[str, ...]) -> str:
    return "".join(f"{d}  {path.name}\n" for d in dict.fromkeys(digests))


def size_text(size: int) -> str:
    """A size as people read it: 512 bytes, 12 KiB, 3.4 MiB, 1.2 GiB."""
    if size < 1024:
        return f"{size} bytes"
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20)):
        if size >= scale:
            return f"{size / scale:,.1f} {unit}"
    return f"{size / 1024:,.0f} KiB"


def _unshare(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """safetensors refuses tensors sharing storage; clone the second and later ones."""
    seen: set[int] = set()
    out = {}
    for k, v in tensors.items():
        ptr = v.untyped_storage().data_ptr() if v.numel() else -1
        if ptr in seen and ptr != -1:
            v = v.clone()
        seen.add(ptr)
        out[k] = v
    return out


def read_meta(path: Path) -> dict[str, Any]:
    """The JSON metadata of a checkpoint, without loading its tensors."""
    path = Path(path)
    _check_file(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
            n = _header_length(path, head, size)
            header = _parse_header(path, f.read(n), size)
    except OSError as e:
        raise CheckpointError("checkpoint.unreadable", path=path, reason=os_reason(e)) from None
    return _meta_from_header(path, header)


def load_checkpoint(path: Path, device: str | torch.device = "cpu") -> Checkpoint:
    """Load and validate a genstudio checkpoint. Raises CheckpointError.

    The file is read once, so a save racing with this load gives one whole version.
    """
    path = Path(path)
    data, meta = _read_checked(path)
    from safetensors.torch import load as st_load_bytes
    try:
        tensors = st_load_bytes(data)
    except (SafetensorError, ValueError, RuntimeError) as e:
        raise CheckpointError("checkpoint.tensors_unreadable", path=path, error=str(e)) from None
    if str(device) != "cpu":
        tensors = {k: v.to(device) for k, v in tensors.items()}
    return Checkpoint(path=path, tensors=tensors, meta=meta)


def check_checkpoint(path: Path) -> dict[str, Any]:
    """Read a whole checkpoint and check it as load_checkpoint does (its sha256, its header), without making
    tensors: its metadata, or CheckpointError."""
    return _read_checked(Path(path))[1]


def _read_checked(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The file's bytes (read once) and its metadata, its sha256 checked against the hash file beside it."""
    _check_file(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CheckpointError("checkpoint.unreadable", path=path, reason=os_reason(e)) from None
    listed = read_hashes(path)
    if listed is not None and hashlib.sha256(data).hexdigest() not in listed:
        _raise_damaged(path, data)
    n = _header_length(path, data[:8], len(data))
    return data, _meta_from_header(path, _parse_header(path, data[8:8 + n], len(data)))


def _raise_damaged(path: Path, data: bytes) -> None:
    """The file differs from what was saved: say it is cut short where its header shows that, else damaged
    (flipped bytes can make any other structural complaint, none of them the real reason)."""
    try:
        _parse_header(path, data[8:8 + _header_length(path, data[:8], len(data))], len(data))
    except CheckpointError as e:
        if e.message.id == "checkpoint.truncated":
            raise
    raise CheckpointError("checkpoint.damaged", path=path)


_MAX_HEADER = 100 * 1024 * 1024



def _check_file(path: Path) -> None:
    if not path.exists():
        raise CheckpointError("checkpoint.not_found", path=path)
    if not path.is_file():
        raise CheckpointError("checkpoint.not_a_file", path=path)


def _header_length(path: Path, head: bytes, size: int) -> int:
    """safetensors layout: 8-byte little-endian header length, JSON header, tensor data."""
    if len(head) < 8:
        raise CheckpointError("checkpoint.too_short", path=path, size=size)
    n = int.from_bytes(head, "little")
    if n <= 0 or n > _MAX_HEADER or n + 8 > size:
        raise CheckpointError("checkpoint.not_safetensors", path=path)
    return n


def _parse_header(path: Path, raw: bytes, size: int) -> dict[str, Any]:
    """The JSON header, checked to describe exactly the bytes the file holds."""
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError("checkpoint.not_safetensors", path=path) from None
    if not isinstance(header, dict):
        raise CheckpointError("checkpoint.not_safetensors", path=path)
    try:
        end = max((int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"), default=0)
    except (TypeError, KeyError, IndexError, ValueError):
        raise CheckpointError("checkpoint.not_safetensors", path=path) from None
    if 8 + len(raw) + end != size:
        raise CheckpointError("checkpoint.truncated", path=path, size=size, described=8 + len(raw) + end)
    return header


def _meta_from_header(path: Path, header: dict[str, Any]) -> dict[str, Any]:
    blob = (header.get("__metadata__") or {}).get(META_KEY)
    if blob is None:
        raise CheckpointError("checkpoint.no_metadata", path=path)
    try:
        meta = json.loads(blob)
    except json.JSONDecodeError:
        raise CheckpointError("checkpoint.metadata_damaged", path=path) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError("checkpoint.bad_format", path=path, format=meta.get("format"))
    version = meta.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise CheckpointError("checkpoint.newer", path=path, version=version, supported=VERSION)
    return meta


def file_hash(path: Path | str) -> str:
    """The first 10 hex digits of a file's sha256: the "Model hash" written into exported images."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:10]
