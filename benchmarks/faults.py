"""The fault suite (issue 28, part 4): what a user sees when something goes wrong, and whether work is lost.

    .venv/bin/python benchmarks/faults.py [--jobs N] [--only GROUPS] [--families vae,gan,...] [--work DIR] [--keep]

Every case drives the real CLI (`python -m studio ...`) in a subprocess and records, for the command the fault
hit: the first line the user reads (an error, a warning, or the last line of the output), the exit code, whether
a Python traceback reached the terminal, whether the run was lost (it no longer samples or resumes once the
cause is gone; for an import, whether anything was left in the runs folder), and whether the message names the
file or folder concerned. It prints one Markdown table and exits 1 when a row misses the target (no traceback,
no run lost, every message naming its file).

Faults are put into the CLI's own process by starting it as

    python benchmarks/faults.py --inject SPEC -- ARGS...      (then studio's __main__ runs with ARGS)

SPEC is one of (FAULTS_DIR in the environment names the folder a fault applies to):
    kill:PHASE@N     SIGKILL at the Nth save of last.safetensors, at PHASE: writing (half the temporary file
                     written), renaming (written, not yet renamed), renamed (renamed, its hash file still lists
                     the old and new hashes), sidecar (before the .json beside it), periodic (before the step-N copy)
    enospc@N         from the Nth checkpoint save on, every write under FAULTS_DIR fails with ENOSPC (a disk
                     that fills up during a save); enospc@0: full from the start
    readonly         every write under FAULTS_DIR fails with EROFS (used where a read-only bind mount cannot be made)
    nan:once|always  a weight of the model set to NaN at the 6th training step (once), or at every step from it
    oom@N            torch.OutOfMemoryError raised at the Nth training step
    data-change      after the dataset's files are listed: one deleted, one cut short, one caption deleted
"""
from __future__ import annotations

import argparse
import errno
import io
import json
import os
import pickle
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ("vae", "gan", "flow", "diffusion", "autoregressive", "vqvae", "vaegan")
TRAIN = ("--size", "16", "--preset", "tiny", "--batch", "8", "--quality-minutes", "0", "--seed", "1")


# -- the faults, installed inside the CLI's process ---------------------------------------------------------
def _target() -> str:
    return os.path.realpath(os.environ.get("FAULTS_DIR", "/nonexistent-faults-dir"))


def _under_target(path) -> bool:
    if isinstance(path, int):
        try:
            path = os.readlink(f"/proc/self/fd/{path}")
        except OSError:
            return False
    try:
        real = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    return real == _target() or real.startswith(_target() + os.sep)


def _fd_name(fd: int) -> str:
    try:
        return os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return ""


def _kill() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _writing(mode) -> bool:
    return isinstance(mode, str) and any(c in mode for c in "wax+")


class _FailingWrites(io.RawIOBase):
    """A file object whose writes fail with `code` (a full or read-only disk); reads and the rest pass through."""

    def __init__(self, inner, code: int):
        self._inner, self._code = inner, code

    def write(self, data):
        raise OSError(self._code, os.strerror(self._code))

    def writelines(self, lines):
        raise OSError(self._code, os.strerror(self._code))

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._inner.close()
        return False

    def close(self):
        self._inner.close()


def _patch_open(should_fail, code: int) -> None:
    """Make open()/io.open()/os.fdopen() writes under FAULTS_DIR fail with `code` while should_fail()."""
    import builtins

    real_open = io.open

    def patched(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        if _writing(mode) and should_fail() and _under_target(file):
            return _FailingWrites(f, code)
        return f

    builtins.open = io.open = patched


def install(spec: str) -> None:
    kind, _, arg = spec.partition(":")
    if kind.startswith("enospc@"):
        return _install_enospc(int(kind.split("@")[1]))
    if kind.startswith("oom@"):
        return _install_step_fault(oom_at=int(kind.split("@")[1]))
    if kind == "kill":
        phase, _, nth = arg.partition("@")
        return _install_kill(phase, int(nth or 2))
    if kind == "readonly":
        return _install_readonly()
    if kind == "nan":
        return _install_step_fault(nan=arg)
    if kind == "data-change":
        return _install_data_change()
    raise SystemExit(f"unknown fault {spec!r}")


def _install_kill(phase: str, nth: int) -> None:
    real_replace, real_fdopen = os.replace, os.fdopen
    count = {"n": 0}

    def hit() -> bool:
        count["n"] += 1
        return count["n"] == nth

    def replace(src, dst, *args, **kwargs):
        name = os.path.basename(os.fsdecode(dst))
        if phase == "renaming" and name == "last.safetensors" and hit():
            _kill()
        if phase == "sidecar" and name == "last.json" and hit():
            _kill()
        if phase == "periodic" and re.fullmatch(r"step-\d+\.safetensors", name) and hit():
            _kill()
        real_replace(src, dst, *args, **kwargs)
        if phase == "renamed" and name == "last.safetensors" and hit():
            _kill()

    def fdopen(fd, mode="r", *args, **kwargs):
        f = real_fdopen(fd, mode, *args, **kwargs)
        if phase == "writing" and _fd_name(fd).startswith(".last.safetensors.") and hit():
            real_write = f.write

            def write(data):                   # half the checkpoint reaches the disk, then the kill
                real_write(bytes(data)[:len(data) // 2])
                f.flush()
                _kill()
            f.write = write
        return f

    os.replace, os.fdopen = replace, fdopen


def _install_enospc(nth: int) -> None:
    real_fdopen = os.fdopen
    state = {"saves": 0}

    def full() -> bool:
        return state["saves"] >= nth

    def fdopen(fd, mode="r", *args, **kwargs):
        if _fd_name(fd).startswith(".last.safetensors."):
            state["saves"] += 1
        return real_fdopen(fd, mode, *args, **kwargs)

    os.fdopen = fdopen
    _patch_open(full, errno.ENOSPC)


def _install_readonly() -> None:
    code = errno.EROFS

    def refuse(path):
        raise OSError(code, os.strerror(code), os.fsdecode(path))

    for name in ("mkdir", "rmdir", "unlink", "remove"):
        real = getattr(os, name)
        setattr(os, name, (lambda real: lambda path, *a, **k: refuse(path) if _under_target(path) else
                           real(path, *a, **k))(real))
    for name in ("replace", "rename"):
        real = getattr(os, name)
        setattr(os, name, (lambda real: lambda src, dst, *a, **k: refuse(dst) if _under_target(dst) else
                           real(src, dst, *a, **k))(real))
    real_os_open = os.open

    def os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and _under_target(path):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    os.open = os_open
    _patch_open(lambda: True, code)


def _install_step_fault(nan: str = "", oom_at: int = 0) -> None:
    import torch

    from studio.engine.families.base import all_families

    calls = {"n": 0}

    def wrap(train_step):
        def faulty(self, batch, ctx):
            calls["n"] += 1
            if oom_at and calls["n"] == oom_at:
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 7.79 GiB total "
                                             "capacity; 6.91 GiB already allocated)")
            if (nan == "always" and calls["n"] >= 6) or (nan == "once" and calls["n"] == 6):
                with torch.no_grad():
                    next(iter(self.modules().values())).parameters().__next__().fill_(float("nan"))
            return train_step(self, batch, ctx)
        faulty.fault = True
        return faulty

    for cls in all_families():
        if not getattr(cls.train_step, "fault", False):
            cls.train_step = wrap(cls.train_step)


def _install_data_change() -> None:
    from studio.engine import data

    real_scan = data._scan_source

    def scan(root, cancel):
        result = real_scan(root, cancel)
        files = sorted(Path(root).glob("*.png"))
        files[-1].unlink()                                        # deleted after it was listed
        files[-2].write_bytes(files[-2].read_bytes()[:40])        # rewritten, cut short
        for caption in sorted(Path(root).glob("*.txt"))[:1]:
            caption.unlink()
        return result

    data._scan_source = scan


def run_injected(spec: str, args: list[str]) -> None:
    import runpy

    install(spec)
    sys.argv = ["genstudio", *args]
    runpy.run_module("studio", run_name="__main__", alter_sys=True)


# -- driving the CLI ----------------------------------------------------------------------------------------
@dataclass
class Result:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.err

    def said(self) -> str:
        """Stderr from the first error or warning line on: the message and what the CLI adds to it."""
        first = self.first_message()
        return self.err[self.err.find(first):] if first and first in self.err else ""

    def first_message(self) -> str:
        """The first error or warning line on stderr, else the last line of the output."""
        for line in self.err.splitlines():
            if line.startswith(("genstudio:", "warning:", "failed:", "Traceback")) or re.search(r"\b[Ee]rror\b", line):
                return line
        lines = (self.out.strip() or self.err.strip()).splitlines()
        return lines[-1] if lines else ""


class Suite:
    def __init__(self, work: Path):
        self.work = work
        self.env = {**os.environ, "OMP_NUM_THREADS": "1", "XDG_DATA_HOME": str(work / "xdg-data"),
                    "XDG_CACHE_HOME": str(work / "xdg-cache"), "XDG_STATE_HOME": str(work / "xdg-state"),
                    "XDG_CONFIG_HOME": str(work / "xdg-config"), "PYTHONPATH": str(ROOT)}
        self.rows: list[Row] = []
        self.mount = _can_mount(work)

    def cli(self, *args, inject: str | None = None, target: Path | None = None, timeout: float = 900) -> Result:
        args = tuple(str(a) for a in args)
        cmd = [sys.executable, "-m", "studio", *args] if inject is None else \
              [sys.executable, str(Path(__file__).resolve()), "--inject", inject, "--", *args]
        env = {**self.env, "FAULTS_DIR": str(target or self.work / "none")}
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)
        return Result(args, p.returncode, p.stdout, p.stderr)

    def add(self, row: "Row") -> None:
        self.rows.append(row)
        print(f"  {row.fault} | {row.where}: exit {row.code}, {row.seen[:100]}", file=sys.stderr, flush=True)


@dataclass
class Row:
    fault: str
    where: str
    seen: str
    code: int | str
    traceback: bool
    lost: bool
    names: bool | None        # None: nothing to say (the command did its work without a word)
    notes: list[str] = field(default_factory=list)

    @property
    def held(self) -> bool:
        return not self.traceback and not self.lost and self.names is not False


def _names(text: str, *paths) -> bool:
    return any(str(p) in text for p in paths)


def _can_mount(work: Path) -> bool:
    probe = work / "mount-probe"
    probe.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)], capture_output=True).returncode:
        return False
    subprocess.run(["umount", str(probe)], capture_output=True)
    return True


def make_dataset(folder: Path, n: int = 40, captions: bool = False) -> Path:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        img = np.full((16, 16, 3), 240, np.uint8)
        x, y = rng.integers(0, 8, size=2)
        img[y:y + 8, x:x + 8] = (220, 30, 30) if i % 2 else (30, 30, 220)
        Image.fromarray(img).save(folder / f"{i:02d}.png")
        if captions:
            (folder / f"{i:02d}.txt").write_text("red square" if i % 2 else "blue square")
    return folder


def newest_whole_step(run: Path) -> int | None:
    """The step of the newest checkpoint genstudio would use (Run.latest_checkpoint), read here as it reads it."""
    from studio.engine.checkpoint import read_meta
    from studio.engine.run import Run

    path = Run.open(run).latest_checkpoint()
    return None if path is None else int(read_meta(path).get("step", 0))


def started_step(result: Result) -> int | None:
    m = re.search(r"starting at step (\d+)", result.err)
    return int(m.group(1)) if m else None


def still_works(suite: Suite, run: Path, data: Path, tag: str,
                resume_steps: int = 40) -> tuple[bool, list[str], list[Result]]:
    """Whether the run samples and resumes (to `resume_steps`); notes on what failed."""
    notes = []
    sample = suite.cli("sample", run, "-n", "2", "--out", suite.work / f"samples-{tag}")
    if sample.code:
        notes.append(f"sample: exit {sample.code}: {sample.first_message()}")
    resume = suite.cli("train", data, "--out", run, "--resume", "--steps", resume_steps, "--checkpoint-minutes", "5")
    if resume.code:
        notes.append(f"resume: exit {resume.code}: {resume.first_message()}")
    return not notes, notes, [sample, resume]


# -- the cases --------------------------------------------------------------------------------------------
def kill_during_save(suite: Suite, data: Path, family: str, phase: str) -> None:
    run = suite.work / f"kill-{family}-{phase}"
    killed = suite.cli("train", data, "--family", family, "--out", run, *TRAIN, "--steps", "30",
                       "--checkpoint-minutes", "0.001", inject=f"kill:{phase}@3", target=run)
    expected = newest_whole_step(run)
    ok, notes, (sample, resume) = still_works(suite, run, data, f"kill-{family}-{phase}", resume_steps=34)
    if killed.code != -signal.SIGKILL:
        notes.append(f"not killed (exit {killed.code}; the run finished before the third save?)")
    at = started_step(resume)
    told = [int(m) for m in re.findall(r"^step (\d+): saved ", killed.err, re.MULTILINE)]
    if told and (expected or 0) < max(told):
        notes.append(f"the newest whole checkpoint is step {expected}, the user was told step {max(told)} was saved")
        expected = -1
    if at != expected:
        notes.append(f"resumed at step {at}, the newest whole checkpoint was step {expected}")
    stray = [p.name for p in (run / "checkpoints").glob(".*.tmp")]
    if stray:
        notes.append(f"temporary files left after the resume: {stray}")
    warn = [f"{name}: {r.first_message()}" for name, r in (("sample", sample), ("resume", resume))
            if r.first_message().startswith("warning")]
    seen = f"after the kill, {warn[0]}" if warn else f"killed; resume: starting at step {at} (newest whole: {expected})"
    suite.add(Row("SIGKILL during save", f"{family}, {phase}", seen, killed.code,
                  any(r.traceback for r in (killed, sample, resume)), not ok or at != expected or bool(stray),
                  _names(" ".join(warn), run) if warn else None, notes))


def kill_during_first_save(suite: Suite, data: Path, base: Path) -> None:
    """Killed while the first checkpoint was written: nothing was saved yet; resuming must say what to do."""
    run = suite.work / "kill-first"
    killed = suite.cli("train", data, "--family", "vae", "--out", run, *TRAIN, "--steps", "30",
                       inject="kill:renaming@1", target=run)
    resume = suite.cli("train", data, "--out", run, "--resume", "--steps", "30")
    msg = resume.first_message()
    suite.add(Row("SIGKILL during save", "vae, the first save (renaming); then --resume", msg, killed.code,
                  killed.traceback or resume.traceback, False, _names(msg, run),
                  ["nothing was saved before the kill (the first save), so there is no run to lose"]))


def full_disk(suite: Suite, data: Path, base: Path) -> None:
    # Training: the disk fills during the third save.
    run = suite.work / "full-train"
    r = suite.cli("train", data, "--family", "vae", "--out", run, *TRAIN, "--steps", "30",
                  "--checkpoint-minutes", "0.001", inject="enospc@3", target=run)
    ok, notes, more = still_works(suite, run, data, "full-train", resume_steps=34)
    suite.add(Row("full disk (injected ENOSPC)", "train, during a checkpoint save", r.first_message(), r.code,
                  r.traceback or any(m.traceback for m in more), not ok, _names(r.said(), run), notes))
    # Training: no room for the first checkpoint.
    run = suite.work / "full-first"
    r = suite.cli("train", data, "--family", "vae", "--out", run, *TRAIN, "--steps", "10",
                  inject="enospc@1", target=run)
    suite.add(Row("full disk (injected ENOSPC)", "train, the first checkpoint", r.first_message(), r.code,
                  r.traceback, False, _names(r.said(), run), []))
    # Sampling into a full disk, exporting onto one, importing into one.
    out = suite.work / "full-samples"
    r = suite.cli("sample", base, "-n", "2", "--out", out, inject="enospc@0", target=out)
    ok, notes, more = still_works(suite, _copy_run(base, suite.work / "full-sample-run"), data, "full-sample")
    suite.add(Row("full disk (injected ENOSPC)", "sample --out", r.first_message(), r.code, r.traceback,
                  not ok, _names(r.said(), out), notes))
    out = suite.work / "full-export"
    out.mkdir()
    r = suite.cli("export", base, "--out", out / "run.zip", "--samples", "0", inject="enospc@0", target=out)
    left = list(out.iterdir())
    suite.add(Row("full disk (injected ENOSPC)", "export --out", r.first_message(), r.code, r.traceback,
                  False, _names(r.said(), out), [f"left behind: {left}"] if left else []))
    runs = suite.work / "full-import-runs"
    runs.mkdir()
    r = suite.cli("import", base.parent / "base.zip", "--runs", runs, inject="enospc@0", target=runs)
    left = list(runs.iterdir())
    suite.add(Row("full disk (injected ENOSPC)", "import --runs", r.first_message(), r.code, r.traceback,
                  bool(left), _names(r.said(), runs, base.parent / "base.zip"),
                  [f"left behind: {left}"] if left else []))
    if suite.mount:
        full_tmpfs(suite, data)


def full_tmpfs(suite: Suite, data: Path) -> None:
    """A real full disk: the run folder on a tmpfs with room for the run's first checkpoints only."""
    mnt = suite.work / "tmpfs"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=14m", "tmpfs", str(mnt)], check=True)
    try:
        run = mnt / "run"
        r = suite.cli("train", data, "--family", "vae", "--out", run, *TRAIN, "--steps", "200",
                      "--checkpoint-minutes", "0.002")
        moved = suite.work / "tmpfs-run-moved"
        shutil.copytree(run, moved)              # the user moves the run to a disk with room
    finally:
        subprocess.run(["umount", str(mnt)], check=True)
    ok, notes, more = still_works(suite, moved, data, "tmpfs", resume_steps=210)
    suite.add(Row("full disk (tmpfs of 14 MiB)", "train, a real full disk", r.first_message(), r.code,
                  r.traceback or any(m.traceback for m in more), not ok, _names(r.said(), run), notes))


def _copy_run(run: Path, to: Path) -> Path:
    return Path(shutil.copytree(run, to))


def damaged_checkpoints(suite: Suite, data: Path, base: Path) -> None:
    def case(name: str, damage, *, expect_fallback: bool = True) -> None:
        run = _copy_run(base, suite.work / f"damaged-{re.sub(r'[^a-z]+', '-', name)}")
        damage(run / "checkpoints")
        sample = suite.cli("sample", run, "-n", "2", "--out", suite.work / f"samples-{run.name}")
        ok, notes, more = still_works(suite, run, data, run.name + "-after", resume_steps=30)
        resumed = more[1]
        notes += [f"resume said: {resumed.first_message()}"] if resumed.first_message().startswith("warning") else []
        msg = sample.first_message()
        said = msg.startswith(("warning", "genstudio"))
        suite.add(Row("damaged checkpoint", name, msg, sample.code, sample.traceback or any(m.traceback for m in more),
                      not ok, _names(msg, run) if said else (False if expect_fallback else None), notes))

    last = "last.safetensors"
    case("last truncated", lambda c: (c / last).write_bytes((c / last).read_bytes()[:-5000]))
    case("last, 2,000 bytes flipped", lambda c: _flip(c / last))
    case("last, header rewritten (a shape)", lambda c: _rewrite_header(c / last))
    case("last, header rewritten, no .sha256", lambda c: (_rewrite_header(c / last), (c / "last.sha256").unlink()))
    # Without a .sha256 (a run saved before genstudio wrote them) damage cannot be told; the bytes flipped at the
    # end of the file are its RNG state, which no image depends on.
    case("last, 2,000 bytes flipped, no .sha256 (an older run)",
         lambda c: (_flip(c / last), (c / "last.sha256").unlink()), expect_fallback=False)
    case("last.json sidecar missing", lambda c: (c / "last.json").unlink(), expect_fallback=False)
    case("last.json sidecar corrupt", lambda c: (c / "last.json").write_text("{not json"), expect_fallback=False)
    case("last.sha256 corrupt", lambda c: (c / "last.sha256").write_text("garbage\n"), expect_fallback=False)
    case("last empty (0 bytes)", lambda c: (c / last).write_bytes(b""))
    # config.json is the run's own description: the message must name it.
    run = _copy_run(base, suite.work / "damaged-config")
    (run / "config.json").write_text('{"format": "genstudio.run", "vers')
    r = suite.cli("sample", run, "-n", "2", "--out", suite.work / "samples-config")
    suite.add(Row("damaged run file", "config.json cut short", r.first_message(), r.code, r.traceback,
                  False, _names(r.said(), run / "config.json"), ["lost here means: cannot be repaired by genstudio; "
                                                              "the checkpoints are whole"]))
    run = _copy_run(base, suite.work / "damaged-metrics")
    with open(run / "metrics.jsonl", "ab") as f:
        f.write(b'{"kind": "train", "st\x00\xff')
    ok, notes, more = still_works(suite, run, data, "metrics", resume_steps=30)
    suite.add(Row("damaged run file", "metrics.jsonl torn last line", more[0].first_message(), more[0].code,
                  any(m.traceback for m in more), not ok, None, notes))


def _flip(path: Path, count: int = 2000) -> None:
    data = bytearray(path.read_bytes())
    start = len(data) - count - 100
    data[start:start + count] = bytes(b ^ 0xFF for b in data[start:start + count])
    path.write_bytes(bytes(data))


def _rewrite_header(path: Path) -> None:
    """Swap the shapes of two tensors of equal size in the safetensors header (same length, valid JSON)."""
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    by_size: dict[int, list[str]] = {}
    for key, spec in header.items():
        if key != "__metadata__" and len(spec["shape"]) == 2 and spec["shape"][0] != spec["shape"][1]:
            by_size.setdefault(spec["data_offsets"][1] - spec["data_offsets"][0], []).append(key)
    key = next(keys[0] for keys in by_size.values())
    header[key]["shape"] = header[key]["shape"][::-1]           # same bytes, another shape
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (n - len(raw))
    assert len(raw) == n, "the rewritten header must keep its length"
    path.write_bytes(data[:8] + raw + data[8 + n:])


def read_only_run(suite: Suite, data: Path, base: Path) -> None:
    for command in ("sample", "resume", "export"):
        run = _copy_run(base, suite.work / f"readonly-{command}")
        out = suite.work / f"readonly-{command}-out"
        args = {"sample": ("sample", run, "-n", "2", "--out", out),
                "resume": ("train", data, "--out", run, "--resume", "--steps", "30"),
                "export": ("export", run, "--out", out / "run.zip", "--samples", "0")}[command]
        if suite.mount:
            subprocess.run(["mount", "--bind", str(run), str(run)], check=True)
            subprocess.run(["mount", "-o", "remount,ro,bind", str(run)], check=True)
            try:
                r = suite.cli(*args)
            finally:
                subprocess.run(["umount", str(run)], check=True)
            how = "read-only bind mount"
        else:
            r = suite.cli(*args, inject="readonly", target=run)
            how = "injected EROFS"
        ok, notes, more = still_works(suite, run, data, f"readonly-{command}", resume_steps=30)
        msg = r.first_message()
        said = msg.startswith(("warning", "genstudio"))
        suite.add(Row(f"read-only run folder ({how})", command, msg, r.code,
                      r.traceback or any(m.traceback for m in more),
                      not ok, _names(msg, run) if said else None, notes))


def dataset_changes(suite: Suite) -> None:
    data = make_dataset(suite.work / "changing", captions=True)
    run = suite.work / "changing-run"
    r = suite.cli("train", data, "--family", "vae", "--out", run, *TRAIN, "--steps", "10",
                  inject="data-change", target=data)
    listed = r.err.split("file(s):\n", 1)[-1] if "file(s):\n" in r.err else ""
    skipped = re.findall(r"^  (\S+): (.*)$", listed, re.MULTILINE)
    notes = [f"skipped {name}: {why}" for name, why in skipped[:3]]
    suite.add(Row("dataset files changed while loading", "train: 1 deleted, 1 cut short, 1 caption deleted",
                  next((ln.strip() for ln in r.err.splitlines() if "skipped" in ln), r.first_message()), r.code,
                  r.traceback, r.code != 0, _names(r.err, "39.png") and _names(r.err, "38.png"), notes))
    # Resumed on the folder after more of its files were deleted.
    for p in sorted(data.glob("*.png"))[:5]:
        p.unlink()
    r = suite.cli("train", data, "--out", run, "--resume", "--steps", "20")
    msg = r.first_message()
    suite.add(Row("dataset files changed", "train --resume on a folder that lost 5 images", msg, r.code, r.traceback,
                  r.code != 0, _names(msg, data) if msg.startswith(("warning", "genstudio")) else None, []))


def non_finite(suite: Suite, data: Path) -> None:
    run = suite.work / "nan-once"
    r = suite.cli("train", data, "--family", "vae", "--out", run, *TRAIN, "--steps", "20", inject="nan:once")
    ok, notes, more = still_works(suite, run, data, "nan-once", resume_steps=24)
    suite.add(Row("non-finite losses", "a weight set to NaN once (rollback)", r.first_message(), r.code,
                  r.traceback or any(m.traceback for m in more), r.code != 0 or not ok, None, notes))
    run = suite.work / "nan-always"
    r = suite.cli("train", data, "--family", "vae", "--out", run, *TRAIN, "--steps", "40", "--checkpoint-minutes",
                  "0.001", inject="nan:always")
    msg = next((ln for ln in r.err.splitlines() if ln.startswith("genstudio:")), r.first_message())
    ok, notes, more = still_works(suite, run, data, "nan-always", resume_steps=10)
    suite.add(Row("non-finite losses", "NaN at every step (diverged)", msg, r.code,
                  r.traceback or any(m.traceback for m in more), False, _names(r.said(), run), notes))


def out_of_memory(suite: Suite, data: Path) -> None:
    run = suite.work / "oom"
    r = suite.cli("train", data, "--family", "vae", "--out", run, *TRAIN, "--steps", "20", inject="oom@12")
    msg = next((ln for ln in r.err.splitlines() if ln.startswith("genstudio:")), r.first_message())
    smaller = suite.cli("train", data, "--out", run, "--resume", "--steps", "20", "--batch", "4")
    notes = [] if smaller.code == 0 else [f"resume --batch 4: exit {smaller.code}: {smaller.first_message()}"]
    if "batch" not in msg:
        notes.append("the message suggests no smaller batch")
    suite.add(Row("out of memory at a training step", "train (torch.OutOfMemoryError in the 12th train_step)", msg,
                  r.code,
                  r.traceback or smaller.traceback, smaller.code != 0, _names(r.said(), run), notes))


def hostile_archives(suite: Suite, base_zip: Path) -> None:
    with zipfile.ZipFile(base_zip) as zf:
        files = {i.filename: zf.read(i) for i in zf.infolist()}
    top = next(iter(files)).split("/")[0]

    def zip_with(name: str, extra: dict[str, bytes], replace: dict[str, bytes] = {}, links: dict[str, str] = {},
                 deflate: bool = False) -> Path:
        path = suite.work / f"hostile-{name}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as zf:
            for member, data in {**files, **replace, **extra}.items():
                zf.writestr(member, data)
            for member, target in links.items():
                info = zipfile.ZipInfo(member)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, target)
        return path

    cases = {
        "a symbolic link member": zip_with("link", {}, links={f"{top}/samples/x.png": "/etc/passwd"}),
        "a '..' member name": zip_with("dotdot", {f"{top}/../../evil.json": b"{}"}),
        "a pickle renamed .safetensors": zip_with("pickle", {}, replace={
            f"{top}/checkpoints/last.safetensors": pickle.dumps({"weights": list(range(100))})}),
        "a zip bomb (64 MiB of zeros)": zip_with("bomb", {f"{top}/metrics-2.jsonl": b"\0" * (64 << 20)}, deflate=True),
    }
    folder = suite.work / "hostile-folder"
    with zipfile.ZipFile(base_zip) as zf:
        zf.extractall(folder)
    (folder / top / "checkpoints" / "best.safetensors").symlink_to("/etc/passwd")
    cases["a folder export with a link"] = folder / top
    for name, path in cases.items():
        runs = suite.work / f"runs-{re.sub(r'[^a-z]+', '-', name)}"
        r = suite.cli("import", path, "--runs", runs)
        left = list(runs.iterdir()) if runs.exists() else []
        suite.add(Row("hostile exported archive", f"import: {name}", r.first_message(), r.code, r.traceback,
                      bool(left) or r.code == 0, _names(r.first_message(), path),
                      [f"left behind: {left}"] if left else []))


# -- the table --------------------------------------------------------------------------------------------
def _cell(text) -> str:
    text = str(text).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 220 else text[:217] + "..."


def print_table(rows: list[Row], seconds: float) -> str:
    yn = {True: "yes", False: "no", None: "-"}
    lines = ["| fault | family / where | what the user sees (first line) | exit | traceback | run lost | "
             "names the file |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {_cell(r.fault)} | {_cell(r.where)} | {_cell(r.seen)} | {r.code} | {yn[r.traceback]} | "
                     f"{yn[r.lost]} | {yn[r.names]} |")
    held = sum(r.held for r in rows)
    lines.append("")
    lines.append(f"{held} of {len(rows)} rows hold (no traceback, no run lost, the message names its file); "
                 f"tracebacks {sum(r.traceback for r in rows)}, runs lost {sum(r.lost for r in rows)}, "
                 f"messages without their file {sum(r.names is False for r in rows)}; {seconds:.0f} s")
    notes = [f"- {r.fault}, {r.where}: {n}" for r in rows for n in r.notes]
    if notes:
        lines += ["", "Notes:", *notes]
    text = "\n".join(lines)
    print(text)
    return text


def units(families: list[str], phases: list[str]) -> dict[str, Callable[[Suite, Path, Path], None]]:
    """The cases in groups that can run side by side: name -> case(suite, dataset, base run)."""
    found: dict[str, Callable[[Suite, Path, Path], None]] = {}
    for phase in phases:
        found[f"kill-{families[0]}-{phase}"] = lambda s, d, b, p=phase: kill_during_save(s, d, families[0], p)
    for i, family in enumerate(families[1:]):
        found[f"kill-{family}"] = lambda s, d, b, f=family, p=phases[i % len(phases)]: kill_during_save(s, d, f, p)
    found.update({
        "kill-first": kill_during_first_save,
        "disk": full_disk, "damaged": damaged_checkpoints, "readonly": read_only_run,
        "data": lambda s, d, b: dataset_changes(s), "nan": lambda s, d, b: non_finite(s, d),
        "oom": lambda s, d, b: out_of_memory(s, d),
        "archive": lambda s, d, b: hostile_archives(s, b.parent / "base.zip"),
    })
    return found


def run_units(names: list[str], work: Path, jobs: int, argv: list[str]) -> list[Row]:
    """Each group in its own process (`--unit NAME`), at most `jobs` at once; their rows in the groups' order."""
    waiting, running, done = list(names), {}, {}
    while waiting or running:
        while waiting and len(running) < jobs:
            name = waiting.pop(0)
            cmd = [sys.executable, str(Path(__file__).resolve()), *argv, "--unit", name, "--shared", str(work),
                   "--work", str(work / name), "--rows-json", str(work / f"{name}.json")]
            running[name] = subprocess.Popen(cmd)
        for name, proc in list(running.items()):
            if proc.poll() is not None:
                del running[name]
                path = work / f"{name}.json"
                done[name] = [Row(**r) for r in json.loads(path.read_text())] if path.is_file() else [
                    Row(name, "(the group itself failed)", f"exit {proc.returncode}", proc.returncode, True, True,
                        None)]
        time.sleep(0.5)
    return [row for name in names for row in done[name]]


def main() -> int:
    if "--inject" in sys.argv:
        i = sys.argv.index("--inject")
        spec, rest = sys.argv[i + 1], sys.argv[sys.argv.index("--") + 1:]
        run_injected(spec, rest)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--phases", default="writing,renaming,renamed,sidecar,periodic",
                        help="kill points tried with the first family (the others: one point each, in turn)")
    parser.add_argument("--only", default="", help="comma-separated groups (kill, kill-vae, disk, damaged, "
                                                   "readonly, data, nan, oom, archive); default all")
    parser.add_argument("--jobs", type=int, default=1, help="groups run side by side (default 1)")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--unit", help=argparse.SUPPRESS)          # one group, in a child process of --jobs
    parser.add_argument("--shared", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rows-json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    families = [f for f in args.families.split(",") if f]
    phases = [p for p in args.phases.split(",") if p]
    found = units(families, phases)
    work = args.work or Path(tempfile.mkdtemp(prefix="genstudio-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.unit:                                                     # a child: one group, rows as JSON
        suite = Suite(work)
        found[args.unit](suite, args.shared / "pictures", args.shared / "base")
        args.rows_json.write_text(json.dumps([r.__dict__ for r in suite.rows]))
        return 0
    wanted = set(filter(None, args.only.split(",")))
    names = [n for n in found if not wanted or n in wanted or n.split("-")[0] in wanted]
    start = time.monotonic()
    suite = Suite(work)
    data = make_dataset(work / "pictures")
    r = suite.cli("train", data, "--family", "vae", "--out", work / "base", *TRAIN, "--steps", "20")
    assert r.code == 0, r.err
    r = suite.cli("export", work / "base", "--out", work / "base.zip", "--samples", "0")
    assert r.code == 0, r.err
    argv = ["--families", args.families, "--phases", args.phases]
    if args.jobs > 1:
        rows = run_units(names, work, args.jobs, argv)
    else:
        for name in names:
            found[name](suite, data, work / "base")
        rows = suite.rows
    if args.keep:
        print(f"work folder: {work}", file=sys.stderr)
    print_table(rows, time.monotonic() - start)
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r.held for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
