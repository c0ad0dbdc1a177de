"""The owner lock of a run folder: which process on which host is training it.

    lock = acquire_run_lock(run_dir)        # RunHeldError when another live process holds the run
    try:
        ...                                 # train: write checkpoints, previews, metrics
    finally:
        lock.release()

`<run>/owner.lock` is a small JSON file (host, process id, start time, heartbeat) created atomically: written
to a temporary file and hard-linked into place, so it appears whole or not at all, and only one of two
processes racing for it gets it. While it is held, a thread rewrites it every `HEARTBEAT_SECONDS`, so a reader on
another machine (a shared or synced folder) can tell a live owner from a dead one by its age.

A lock is stale, and may be taken over, when its process is gone (same host, no such process id), or when its
heartbeat is older than `STALE_SECONDS` (another host, or an unreadable lock). Whoever trains into a run (the
Trainer: the CLI, the app, rank 0 under torchrun) takes it; a reader never does.

No torch and no Qt here: the CLI checks a run before loading its data, the app reads locks while following.
"""
from __future__ import annotations

import errno
import json
import logging
import os
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.engine.messages import EngineError, Message

LOCK_NAME = "owner.lock"
LOCK_FORMAT = "genstudio.lock"
HEARTBEAT_SECONDS = 10.0     # how often the owner rewrites its lock
STALE_SECONDS = 120.0        # a lock unrefreshed this long: its owner is gone (a synced copy may lag a minute)

log = logging.getLogger(__name__)


class RunHeldError(EngineError):
    """Another live process holds the run folder; str(e) names it and what to do."""


@dataclass(frozen=True)
class LockOwner:
    """Who holds a run, as its lock file says."""

    host: str
    pid: int
    started: str                 # the owner's local time, "YYYY-mm-dd HH:MM:SS"
    heartbeat: float             # the owner's clock (time.time()) at its last beat
    token: str = ""
    command: str = ""
    age: float = 0.0             # seconds since the lock file last changed, by this machine's clock
    stale: bool = False
    why_stale: str = ""          # "gone" (its process is not running) or "silent" (no heartbeat lately)

    @property
    def is_mine(self) -> bool:
        return self.host == socket.gethostname() and self.pid == os.getpid()

    def describe(self) -> Message:
        """"process 1234 on host, since ...": who holds it, for messages."""
        return Message("lock.owner", pid=self.pid, host=self.host, started=self.started)


def lock_path(run_dir: Path | str) -> Path:
    return Path(run_dir) / LOCK_NAME


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    if pid <= 0:
        return False
    if sys.platform == "win32":        # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)   # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259       # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:            # someone else's process: alive
        return True
    except OSError:
        return False
    return True


def read_run_lock(run_dir: Path | str, *, stale_after: float = STALE_SECONDS) -> LockOwner | None:
    """The run's lock owner (with whether it is stale), or None when nobody holds the run."""
    path = lock_path(run_dir)
    try:
        stat = path.stat()
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        text, stat = "", None
    age = max(0.0, time.time() - stat.st_mtime) if stat is not None else stale_after + 1
    try:
        data = json.loads(text)
        owner = LockOwner(host=str(data["host"]), pid=int(data["pid"]), started=str(data.get("started", "")),
                          heartbeat=float(data.get("heartbeat", 0.0)), token=str(data.get("token", "")),
                          command=str(data.get("command", "")), age=age)
    except (ValueError, KeyError, TypeError):     # being written by a foreign tool, or damaged: judged by its age
        owner = LockOwner(host="?", pid=0, started="", heartbeat=0.0, age=age)
        return _judged(owner, stale=age > stale_after, why="silent")
    if owner.host == socket.gethostname() and not pid_alive(owner.pid):
        return _judged(owner, stale=True, why="gone")
    return _judged(owner, stale=age > stale_after, why="silent")


def _judged(owner: LockOwner, *, stale: bool, why: str) -> LockOwner:
    from dataclasses import replace

    return replace(owner, stale=stale, why_stale=why if stale else "")


def check_run_free(run_dir: Path | str, *, stale_after: float = STALE_SECONDS) -> LockOwner | None:
    """Raise RunHeldError when another live process holds the run; else the stale owner (or None)."""
    owner = read_run_lock(run_dir, stale_after=stale_after)
    if owner is not None and not owner.stale:
        raise RunHeldError("run.held", path=Path(run_dir), owner=owner.describe())
    return owner


class RunLock:
    """A held run lock. `release()` (or leaving a `with` block) gives it back; a daemon thread beats meanwhile."""

    def __init__(self, path: Path, record: dict[str, Any], taken_over: Message | None = None,
                 heartbeat_seconds: float = HEARTBEAT_SECONDS):
        self.path = path
        self.record = record
        self.taken_over = taken_over       # the warning when a stale lock was replaced, else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat_loop, args=(heartbeat_seconds,), daemon=True,
                                        name=f"run lock {path.parent.name}")
        self._thread.start()

    @property
    def token(self) -> str:
        return self.record["token"]

    @property
    def held(self) -> bool:
        return not self._stop.is_set()

    def beat(self) -> bool:
        """Rewrite the lock with a new heartbeat; False (and nothing written) if it is no longer ours."""
        try:
            current = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if not isinstance(current, dict) or current.get("token") != self.token:
            return False
        self.record["heartbeat"] = time.time()
        try:
            _write_replacing(self.path, self.record)
        except OSError as e:            # a full disk or a vanished folder: the next beat tries again
            log.warning("could not refresh %s: %s", self.path, e)
        return True

    def _beat_loop(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            if not self.beat():
                log.warning("%s is no longer this process's lock", self.path)
                return

    def release(self) -> None:
        """Remove the lock file if it is still ours. Safe to call twice."""
        if self._stop.is_set():
            return
        self._stop.set()
        try:
            current = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(current, dict) and current.get("token") == self.token:
                self.path.unlink()
        except (OSError, ValueError):
            pass

    def __enter__(self) -> "RunLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def acquire_run_lock(run_dir: Path | str, *, stale_after: float = STALE_SECONDS,
                     heartbeat_seconds: float = HEARTBEAT_SECONDS) -> RunLock:
    """Take the run folder's lock: RunHeldError when another live process holds it. A stale lock is replaced
    (RunLock.taken_over says whose it was and why it was stale)."""
    run_dir = Path(run_dir)
    path = lock_path(run_dir)
    record = {"format": LOCK_FORMAT, "host": socket.gethostname(), "pid": os.getpid(),
              "started": time.strftime("%Y-%m-%d %H:%M:%S"), "heartbeat": time.time(),
              "token": uuid.uuid4().hex, "command": " ".join(sys.argv)[:500]}
    taken_over = None
    for _ in range(3):                  # a stale lock removed by us, or another taker racing us
        if _create_exclusive(path, record):
            return RunLock(path, record, taken_over, heartbeat_seconds)
        owner = check_run_free(run_dir, stale_after=stale_after)
        if owner is None:
            continue                    # released between our try and our look: try again
        if _remove_stale(path, owner):
            why = "lock.gone" if owner.why_stale == "gone" else "lock.silent"
            taken_over = Message("lock.taken_over", path=path, owner=owner.describe(),
                                 why=Message(why, seconds=int(owner.age)))
    owner = read_run_lock(run_dir) or owner or LockOwner(host="?", pid=0, started="", heartbeat=0.0)
    raise RunHeldError("run.held", path=run_dir, owner=owner.describe())


def _create_exclusive(path: Path, record: dict[str, Any]) -> bool:
    """Create `path` holding `record`, whole, unless it exists (False then)."""
    tmp = path.with_name(f".{path.name}.{record['token']}.tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    try:
        os.link(tmp, path)              # atomic, and refuses an existing file
        return True
    except FileExistsError:
        return False
    except OSError as e:                # a file system without hard links (FAT, some synced folders)
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        return _create_with_o_excl(path, record)
    finally:
        tmp.unlink(missing_ok=True)


def _create_with_o_excl(path: Path, record: dict[str, Any]) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(record, indent=1) + "\n")
    return True


def _remove_stale(path: Path, owner: LockOwner) -> bool:
    """Move the stale lock aside and delete it, unless another taker replaced it meanwhile (then put it back)."""
    aside = path.with_name(f".{path.name}.{uuid.uuid4().hex}.stale")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return False
    try:
        moved = json.loads(aside.read_text(encoding="utf-8")).get("token", "")
    except (OSError, ValueError, AttributeError):
        moved = ""
    if moved != owner.token:            # not the lock we judged: a fresh one of another taker
        try:
            os.link(aside, path)
        except OSError:
            pass
        aside.unlink(missing_ok=True)
        return False
    aside.unlink(missing_ok=True)
    return True


def _write_replacing(path: Path, record: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{record['token']}.beat.tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
