"""Large folders (issue 28, part 5): load time, peak memory, cancel and UI responsiveness while loading.

    .venv/bin/python scripts/build_large_folders.py                  # once: /tmp/genstudio-large/{small,photos}
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/large_folders.py [--root /tmp/genstudio-large] [--size 32]
        [--folders small,photos] [--photos N] [--peer-photos 100] [--no-peer] [--no-ui] [--no-engine]

Each measurement runs in a fresh subprocess, so its peak resident memory (VmHWM, reset after the imports) is
the load's own. Per folder:

- genstudio: `load_dataset(folder, size=...)`, the engine's loader (decode threads; JPEGs decoded at a
  reduced scale by libjpeg (`Image.draft`) and resized at once);
- genstudio, full decode: the same loader with `Image.draft` turned off, so every photo is decoded at its
  full size first (what the reduced decode saves; photos only);
- plain PIL loop (the peer): open, convert to RGB, `ImageOps.fit` to the size, keep each array in a list, then
  `np.stack` them: how a training script commonly reads a folder.

The peers decode every photo at full size, minutes for 500 on two busy cores, so on the photos they run on
the first --peer-photos (100), beside genstudio on those same photos; genstudio also loads the whole folder.

Then: how quickly a cancel takes effect (asked 2 s after decoding began), and, with the app offscreen, the
main thread's event-loop lateness while each folder loads through the Data step (a 10 ms QTimer; targets
p99 <= 50 ms, max <= 200 ms, as benchmarks/ui_responsiveness.py) beside the same loop with nothing loading (the
peer: on a shared machine the loop stalls on its own) and beside loading with one decode thread fewer (a core
left to the UI, as training leaves one), the time spent counting files before the first count
(the bar is a busy bar then), the longest the bar went without moving after it, and a Cancel pressed
mid-load: how soon the step is idle again and whether the previous dataset stayed.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TICK_MS = 10
CANCEL_AFTER_S = 2.0
IDLE_S = 10.0


# --- measurements, each in its own process ----------------------------------------------------------


def reset_peak() -> int:
    """Reset the peak resident set to the current one (Linux clear_refs 5); returns the current RSS in bytes."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return proc_status("VmRSS")


def proc_status(key: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child_load(folder: str, size: int, loader: str, limit: int | None) -> dict:
    import numpy as np
    from PIL import Image, ImageOps

    from studio.engine.data import load_dataset

    files = sorted(str(p) for p in Path(folder).rglob("*") if p.is_file())
    if limit:
        folder = subset(folder, files[:limit])
        files = files[:limit]
    before = reset_peak()
    gaps, last = [], [time.perf_counter()]

    def progress(done, total):
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    started = time.perf_counter()
    if loader == "plain":
        arrays = []
        for path in files:
            with Image.open(path) as im:
                arrays.append(np.asarray(ImageOps.fit(im.convert("RGB"), (size, size), Image.Resampling.LANCZOS)))
        images = np.stack(arrays)
    else:
        if loader == "full":
            from PIL import JpegImagePlugin
            JpegImagePlugin.JpegImageFile.draft = lambda self, mode, size: None
        images = load_dataset(folder, size=size, progress=progress).images
    seconds = time.perf_counter() - started
    return {"images": len(images), "seconds": seconds, "peak": proc_status("VmHWM"), "before": before,
            "dataset": images.nbytes, "progress_calls": len(gaps), "longest_gap": max(gaps, default=0.0)}


def subset(folder: str, files: list[str]) -> str:
    """A folder of links to the first files (--photos N), beside the folder."""
    out = Path(folder).with_name(Path(folder).name + f"-first{len(files)}")
    out.mkdir(exist_ok=True)
    for path in files:
        link = out / Path(path).name
        if not link.exists():
            link.symlink_to(path)
    return str(out)


def child_cancel(folder: str, size: int, limit: int | None) -> dict:
    """Cancel asked CANCEL_AFTER_S after decoding began (the first count): how long until load_dataset raises."""
    import threading

    from studio.engine.data import DatasetError, load_dataset

    if limit:
        folder = subset(folder, sorted(str(p) for p in Path(folder).rglob("*") if p.is_file())[:limit])
    flag = threading.Event()
    asked, began, seen = [], [], [0]

    def cancel_later():
        asked.append(time.perf_counter())
        flag.set()

    def progress(done, total):
        if not began:
            began.append(threading.Timer(CANCEL_AFTER_S, cancel_later))
            began[0].start()
        seen[0] = done

    try:
        load_dataset(folder, size=size, cancel=flag.is_set, progress=progress)
        return {"cancelled": False}
    except DatasetError:
        return {"cancelled": True, "after_s": time.perf_counter() - asked[0], "done": seen[0]}


def child_ui(folders: list[str], size: int, limit: int | None) -> dict:
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from studio import paths

    os.environ.setdefault("GENSTUDIO_CACHE", str(paths.cache_dir()))
    home = tempfile.TemporaryDirectory(prefix="genstudio-bench-")
    os.environ["GENSTUDIO_HOME"] = home.name
    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEventLoop, QTimer

    from studio.ui.app import create_app
    from studio.ui.main_window import MainWindow

    create_app([])
    window = MainWindow(measure_speed=False, open_last_dataset=False)
    window.resize(1280, 800)
    window.show()
    panel = window.dataset_panel

    def pump_until(predicate, timeout_s=900.0):
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("timed out")
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

    def idle():
        return not panel.loading and not any(job.running for job in panel.jobs())

    panel.load("demo:shapes", size=size)
    pump_until(lambda: panel.dataset is not None and idle())

    def measure_lateness(until):
        """Pump events until until() while a 10 ms timer ticks; the timer's lateness in ms, sorted."""
        lateness, clock, timer, last = [], QElapsedTimer(), QTimer(), [None]

        def tick():
            now = clock.nsecsElapsed() / 1e6
            if last[0] is not None:
                lateness.append(max(0.0, now - last[0] - TICK_MS))
            last[0] = now

        timer.setInterval(TICK_MS)
        timer.timeout.connect(tick)
        clock.start()
        timer.start()
        pump_until(until)
        timer.stop()
        return sorted(lateness)

    def stats(ordered):
        return {"p50": ordered[len(ordered) // 2], "p99": ordered[int(0.99 * (len(ordered) - 1))],
                "max": ordered[-1], "ticks": len(ordered)}

    # The peer: the same loop with nothing loading, for as long as IDLE_S (the machine's own stalls).
    idle_end = time.monotonic() + IDLE_S
    results = {"_idle": stats(measure_lateness(lambda: time.monotonic() > idle_end))}
    default_workers = panel.load_workers or min(8, os.cpu_count() or 1)      # None: the engine's, one per core
    one_free = max(1, default_workers - 1)                     # the peer: a core left to the UI
    passes = [(workers, folder) for folder in folders
              for workers in ([default_workers] + ([one_free] if one_free != default_workers else []))]
    for workers, folder in passes:
        if limit and folder.endswith("photos"):
            folder = subset(folder, sorted(str(p) for p in Path(folder).rglob("*") if p.is_file())[:limit])
        panel.load_workers = workers
        moves = []
        previous = panel.dataset
        started = time.perf_counter()
        panel.load(folder, size=size)
        panel._job.progressed.connect(lambda done, total: moves.append(time.perf_counter()))
        finish = {}

        def loaded_and_drawn():            # the report is drawn after the load: a second more is measured
            if "at" not in finish and panel.dataset is not previous and idle():
                finish["at"] = time.perf_counter()
            return "at" in finish and time.perf_counter() > finish["at"] + 1.0

        ordered = measure_lateness(loaded_and_drawn)
        marks = [*moves, finish["at"]]
        key = f"{folder}|{workers}"
        results[key] = {
            "seconds": finish["at"] - started, "images": len(panel.dataset), **stats(ordered),
            "scan": moves[0] - started, "still": max(b - a for a, b in zip(marks, marks[1:])),
            "progress_updates": len(moves), "workers": workers, "default": workers == default_workers,
            "cancel_s": None,
        }
        if workers != default_workers:
            continue
        # Cancel mid-load: the previous dataset stays, and the step is idle again soon.
        kept = panel.dataset
        panel.load(folder, size=size)
        deadline = time.monotonic() + CANCEL_AFTER_S
        while time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        if not panel.loading:                    # it finished first: nothing to cancel
            pump_until(idle)
            continue
        pressed = time.perf_counter()
        panel.cancel_button.click()
        pump_until(idle)
        results[key]["cancel_s"] = time.perf_counter() - pressed
        results[key]["cancel_kept"] = panel.dataset is kept and window.training_panel._dataset is kept
    results["_peak"] = proc_status("VmHWM")
    window.close()
    home.cleanup()
    return results


# --- the parent: run them and print ------------------------------------------------------------------


def run_child(*args: str) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"measurement {args} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/genstudio-large"))
    parser.add_argument("--folders", default="small,photos", help="which of the root's folders to load")
    parser.add_argument("--size", type=int, default=32, help="training resolution the images are loaded at")
    parser.add_argument("--photos", type=int, default=None, help="load only the first N photos")
    parser.add_argument("--peer-photos", type=int, default=100, help="photos the peers load (0: all)")
    parser.add_argument("--no-peer", action="store_true", help="skip the plain PIL loop and the full decode")
    parser.add_argument("--no-ui", action="store_true", help="skip the app measurements")
    parser.add_argument("--no-engine", action="store_true", help="only the app measurements")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        limit = int(rest[-1]) or None
        if kind == "load":
            result = child_load(rest[0], int(rest[1]), rest[2], limit)
        elif kind == "cancel":
            result = child_cancel(rest[0], int(rest[1]), limit)
        else:
            result = child_ui(rest[:-2], int(rest[-2]), limit)
        print(json.dumps(result))
        return 0

    from evaluation_check import cpu_name

    folders = [str(args.root / name) for name in args.folders.split(",")]
    for folder in folders:
        if not Path(folder).is_dir():
            raise SystemExit(f"{folder} is missing: run scripts/build_large_folders.py first")
    limit = str(args.photos or 0)
    print(f"{cpu_name()}, {os.cpu_count()} cores; images loaded at {args.size}x{args.size}")
    if not args.no_engine:
        engine_table(args, folders, limit)
    if args.no_ui:
        return 0
    print()
    ui = run_child("ui", *folders, str(args.size), limit)
    ui_table(ui)
    return 0


def engine_table(args, folders: list[str], limit: str) -> None:
    print("| folder | loader | images | load s | images/s | peak RSS MiB | RSS growth MiB | dataset MiB "
          "| time vs plain | growth vs plain |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    names = {"genstudio": "genstudio", "full": "genstudio, full decode", "plain": "plain PIL loop"}
    for folder in folders:
        is_photos = folder.endswith("photos")
        groups = [(limit if is_photos else "0", ["genstudio"] + ([] if args.no_peer or is_photos else ["plain"]))]
        if is_photos and not args.no_peer:
            peer_limit = str(min(filter(None, (args.photos, args.peer_photos)), default=0))
            groups = ([groups[0]] if peer_limit != limit else []) + [(peer_limit, ["genstudio", "full", "plain"])]
        for group_limit, loaders in groups:
            rows = {name: run_child("load", folder, str(args.size), name, group_limit) for name in loaders}
            plain = rows.get("plain")
            for name, r in rows.items():
                growth = r["peak"] - r["before"]
                ratios = (f"{r['seconds'] / plain['seconds']:.2f} | "
                          f"{growth / max(1, plain['peak'] - plain['before']):.2f}" if plain else "- | -")
                print(f"| {Path(folder).name} | {names[name]} | {r['images']:,} | {r['seconds']:.1f} "
                      f"| {r['images'] / r['seconds']:,.1f} | {mib(r['peak'])} | {mib(growth)} "
                      f"| {r['dataset'] / 2**20:,.2f} | {ratios} |", flush=True)
            g = rows["genstudio"]
            print(f"|   | (genstudio's progress: {g['progress_calls']} calls, longest gap {g['longest_gap']:.2f} s) "
                  f"|||||||||", flush=True)
    print()
    for folder in folders:
        c = run_child("cancel", folder, str(args.size), limit if folder.endswith("photos") else "0")
        print(f"cancel {CANCEL_AFTER_S:.0f} s into decoding {Path(folder).name}: " + (
            f"stopped {c['after_s'] * 1000:.0f} ms after it was asked ({c['done']:,} images decoded by then)"
            if c["cancelled"] else "finished before the cancel"), flush=True)


def ui_table(ui: dict) -> None:
    print("| in the app | images | load s | of which counting files s | loop lateness p50 / p99 / max ms "
          "| progress bar still at most s | progress updates | Cancel: idle after ms | previous dataset kept |")
    print("|---|---|---|---|---|---|---|---|---|")
    i = ui["_idle"]
    print(f"| nothing loading ({IDLE_S:.0f} s, the peer) | - | - | - | {i['p50']:.1f} / {i['p99']:.1f} / "
          f"{i['max']:.1f} | - | - | - | - |")
    for key, r in ui.items():
        if key.startswith("_"):
            continue
        threads = f"{r['workers']} decode thread{'s' if r['workers'] > 1 else ''}"
        threads += ", the app's default" if r["default"] else ", a core left to the UI"
        print(f"| loading {Path(key.split('|')[0]).name} ({threads}) | {r['images']:,} | {r['seconds']:.1f} "
              f"| {r['scan']:.1f} | {r['p50']:.1f} / {r['p99']:.1f} / {r['max']:.1f} | {r['still']:.2f} "
              f"| {r['progress_updates']} "
              + (f"| {r['cancel_s'] * 1000:.0f} | {'yes' if r['cancel_kept'] else 'NO'} |" if r["cancel_s"] is not None
                 else "| - | - |"))
    print(f"app peak RSS {mib(ui['_peak'])} MiB (targets: p99 <= 50 ms, max <= 200 ms)")


if __name__ == "__main__":
    sys.exit(main())
