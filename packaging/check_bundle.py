"""Check a built bundle: it starts offscreen, trains a few steps in the app and from its CLI; print size and start-up.

    python packaging/check_bundle.py [dist/genstudio] [--steps 5] [--repeat 2] [--screenshot PATH] [--peer]

Not part of the unit tests (it needs a built bundle: packaging/build.sh). Runs, with QT_QPA_PLATFORM=offscreen
and a fresh GENSTUDIO_HOME each time:
  1. `genstudio --self-test` (studio/ui/selftest.py) --repeat times: the window opens, the model families
     load (importing torch), demo:shapes loads, Train trains a VAE a few steps through the Train panel.
     Start-up = process start → the window's "window shown" line (read as it arrives on stdout).
  2. `genstudio train demo:shapes --family F --preset tiny --steps N` for every family: the bundled CLI
     trains each (16 px) and writes a checkpoint, so no family's code path misses a module.
  3. `genstudio families`: the registry lists every family.
  4. The first-launch check on an X11 session (DISPLAY=:0): `genstudio --platform-check` exits 0 where the
     system has the xcb plugin's libraries; where it lacks them it exits 2 naming them, and so must the app
     itself (the same message, exit 2, no abort).
Exits 0 when all passed, 1 otherwise. Uses only the standard library (any python3 runs it).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ("vae", "gan", "flow", "diffusion", "autoregressive", "vqvae", "vaegan")


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def largest_parts(folder: Path, internal: Path, top: int = 8) -> list[tuple[int, str]]:
    """The biggest top-level entries of _internal/ (folders summed): where the megabytes are."""
    parts = []
    for entry in internal.iterdir():
        if entry.is_symlink():
            continue
        size = folder_size(entry)[0] if entry.is_dir() else entry.stat().st_size
        parts.append((size, str(entry.relative_to(folder))))
    return sorted(parts, reverse=True)[:top]


def environment(home: str) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GENSTUDIO_HOME=home)
    env.pop("PYTHONPATH", None)            # the bundle must not reach the checkout's sources
    return env


def self_test(launcher: list[str], steps: int, timeout: float, screenshot: str | None) -> dict:
    """Run the self-test (`launcher` + its options); the seconds at which each stage's line arrived, and whether
    it passed."""
    command = [*launcher, "--steps", str(steps), "--timeout", str(timeout)]
    if screenshot:
        command += ["--screenshot", screenshot]
    with tempfile.TemporaryDirectory(prefix="genstudio-check-") as home:
        start = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   env=environment(home), cwd=home)
        stamps, lines = {}, []
        for line in process.stdout:                      # stamped as each line arrives
            now = time.monotonic() - start
            lines.append(line.rstrip())
            for stage in ("window shown", "families loaded", "dataset loaded", "trained", "self-test passed"):
                if stage in line and stage not in stamps:
                    stamps[stage] = now
        code = process.wait(timeout=timeout + 30)
    return {"code": code, "stamps": stamps, "lines": lines, "passed": code == 0 and "self-test passed" in stamps}


def cli_train(exe: Path, family: str, steps: int, timeout: float) -> tuple[bool, float, list[str]]:
    with tempfile.TemporaryDirectory(prefix="genstudio-check-") as home:
        run = Path(home) / "run"
        command = [str(exe), "train", "demo:shapes", "--family", family, "--size", "16", "--preset", "tiny",
                   "--steps", str(steps), "--out", str(run)]
        start = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, env=environment(home), cwd=home,
                              timeout=timeout)
        seconds = time.monotonic() - start
        checkpoints = sorted(run.glob("checkpoints/*.safetensors"))
        lines = (done.stdout + done.stderr).strip().splitlines()
        lines.append(f"checkpoints: {[p.name for p in checkpoints]}")
        return done.returncode == 0 and bool(checkpoints), seconds, lines


def cli_families(exe: Path, timeout: float) -> tuple[bool, list[str]]:
    with tempfile.TemporaryDirectory(prefix="genstudio-check-") as home:
        done = subprocess.run([str(exe), "families"], capture_output=True, text=True, env=environment(home),
                              cwd=home, timeout=timeout)
    text = done.stdout + done.stderr
    missing = [name for name in FAMILIES if name not in text]
    return done.returncode == 0 and not missing, [f"exit {done.returncode}, missing: {missing or 'none'}"]


def platform_check(launcher: list[str], timeout: float) -> tuple[bool, list[str]]:
    """The first-launch check in an X11 session (the display need not exist: the check runs before Qt does)."""
    env = dict(os.environ, DISPLAY=":0")
    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "PYTHONPATH"):
        env.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="genstudio-check-") as home:
        env["GENSTUDIO_HOME"] = home
        check = subprocess.run([*launcher, "--platform-check"], capture_output=True, text=True, env=env, cwd=home,
                               timeout=timeout)
        if check.returncode == 0:
            return True, ["the xcb plugin's libraries are all here"]
        message = check.stderr.strip()
        if check.returncode != 2 or "apt-get install" not in message:
            return False, [f"--platform-check: exit {check.returncode}", *message.splitlines()[-30:]]
        app = subprocess.run(launcher, capture_output=True, text=True, env=env, cwd=home, timeout=timeout)
    same = app.returncode == 2 and app.stderr.strip() == message
    lines = message.splitlines()
    return same, lines if same else [f"the app: exit {app.returncode}", *app.stderr.strip().splitlines()[-30:]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", default=str(ROOT / "dist" / "genstudio"), help="the bundle folder")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=2, help="self-test runs (the first may find a cold disk cache)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--screenshot", help="save the self-test's window here (PNG)")
    parser.add_argument("--peer", action="store_true",
                        help="also time the same self-test from this checkout's .venv, as a peer for the start-up")
    args = parser.parse_args()
    folder = Path(args.bundle).resolve()
    exe = folder / "genstudio"
    if not exe.is_file():
        print(f"{exe}: no bundle there; build one with packaging/build.sh", file=sys.stderr)
        return 1

    size, count = folder_size(folder)
    print(f"bundle: {folder}")
    print(f"bundle size: {size / 1e6:,.1f} MB ({size / 2**20:,.1f} MiB) in {count:,} files")
    if (folder / "_internal").is_dir():
        for part_size, name in largest_parts(folder, folder / "_internal"):
            print(f"  {part_size / 1e6:8.1f} MB  {name}")

    ok = True
    starts, totals = [], []
    for i in range(args.repeat):
        result = self_test([str(exe), "--self-test"], args.steps, args.timeout, args.screenshot if i == 0 else None)
        stamps = result["stamps"]
        print(f"self-test run {i + 1}: {'passed' if result['passed'] else 'FAILED'} (exit {result['code']}); "
              + ", ".join(f"{stage} at {seconds:.2f} s" for stage, seconds in stamps.items()))
        if not result["passed"]:
            ok = False
            print("\n".join("    " + line for line in result["lines"][-30:]))
        if "window shown" in stamps:
            starts.append(stamps["window shown"])
        if "self-test passed" in stamps:
            totals.append(stamps["self-test passed"])
    if starts:
        print(f"start-up (process start -> window shown): median {statistics.median(starts):.2f} s "
              f"over {len(starts)} runs: {', '.join(f'{s:.2f}' for s in starts)}")
    if totals:
        print(f"self-test total ({args.steps} training steps in the app): median {statistics.median(totals):.2f} s")
    if args.peer:
        python = ROOT / ".venv" / "bin" / "python"
        peer = [self_test([str(python), "-m", "studio.ui.selftest"], args.steps, args.timeout, None)
                for _ in range(args.repeat)]
        peer_starts = [r["stamps"]["window shown"] for r in peer if "window shown" in r["stamps"]]
        if peer_starts and starts:
            print(f"peer: the same from source ({python}): start-up median {statistics.median(peer_starts):.2f} s "
                  f"over {len(peer_starts)} runs: {', '.join(f'{s:.2f}' for s in peer_starts)}; "
                  f"bundle / source = {statistics.median(starts) / statistics.median(peer_starts):.2f}")

    for family in FAMILIES:
        passed, seconds, lines = cli_train(exe, family, args.steps, args.timeout)
        print(f"cli train demo:shapes --family {family} --steps {args.steps}: "
              f"{'passed' if passed else 'FAILED'} in {seconds:.2f} s")
        if not passed:
            ok = False
            print("\n".join("    " + line for line in lines[-30:]))

    passed, lines = cli_families(exe, args.timeout)
    print(f"cli families: {'passed' if passed else 'FAILED'} ({lines[0]})")
    ok = ok and passed
    passed, lines = platform_check([str(exe)], args.timeout)
    print(f"platform check (DISPLAY=:0): {'passed' if passed else 'FAILED'}: {lines[0]}")
    for line in lines[1:]:
        print("    " + line)
    ok = ok and passed
    print("bundle check passed" if ok else "bundle check FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
