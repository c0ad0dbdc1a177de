"""Checkpoints: safetensors for tensors, JSON for everything else, atomic writes.

A checkpoint is one `.safetensors` file whose header metadata carries the
whole JSON description (format, version, step, configs, ...), so the tensors
and what they mean are written by one atomic rename. A `.json` sidecar with the
same metadata is written after it for people and tools to read; the loader
trusts only the copy inside the `.safetensors` file.

Writes go to a temporary file in the same folder, are fsync'ed, then renamed
over the target (and the folder fsync'ed): a kill or a full disk at any moment
leaves the previous checkpoint whole. Nothing here unpickles.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from safetensors import SafetensorError

from studio.engine.messages import EngineError, os_reason

if TYPE_CHECKING:
    import torch

# torch (and safetensors.torch) are imported where tensors are read or written: the app's window
# imports this module for atomic writes and checkpoint headers, and must appear before torch loads.

FORMAT = "genstudio.checkpoint"
VERSION = 1
META_KEY = "genstudio"  # key of the JSON blob in the safetensors header


class CheckpointError(EngineError):
    """A checkpoint cannot be read; str(e) names the file and the reason."""


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    tensors: dict[str, torch.Tensor]
    meta: dict[str, Any]

    @property
    def step(self) -> int:
        return int(self.meta.get("step", 0))

    def group(self, prefix: str) -> dict[str, torch.Tensor]:
        """Tensors under `prefix.` with the prefix removed."""
        p = prefix + "."
        return {k[len(p):]: v for k, v in self.tensors.items() if k.startswith(p)}


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves either the old or the new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)


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
    atomic_write_bytes(path, data)
    atomic_write_text(path.with_suffix(".json"), json.dumps(full_meta, indent=2, sort_keys=True) + "\n")
    return path


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
    _check_file(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CheckpointError("checkpoint.unreadable", path=path, reason=os_reason(e)) from None
    n = _header_length(path, data[:8], len(data))
    meta = _meta_from_header(path, _parse_header(path, data[8:8 + n], len(data)))
    from safetensors.torch import load as st_load_bytes
    try:
        tensors = st_load_bytes(data)
    except (SafetensorError, ValueError, RuntimeError) as e:
        raise CheckpointError("checkpoint.tensors_unreadable", path=path, error=str(e)) from None
    if str(device) != "cpu":
        tensors = {k: v.to(device) for k, v in tensors.items()}
    return Checkpoint(path=path, tensors=tensors, meta=meta)


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
