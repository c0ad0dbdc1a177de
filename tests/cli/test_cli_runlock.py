"""`genstudio train --out RUN --resume` on a run another live process trains: refused with one line, exit 2."""
import json
import os
import time

from test_cli import image_folder, run_cli  # noqa: F401 - the fixture

from studio.engine.runlock import LOCK_NAME


def held_by(run, host, pid, age=0.0):
    (run / LOCK_NAME).write_text(json.dumps({"host": host, "pid": pid, "started": "2026-12-06 01:00:00",
                                             "heartbeat": time.time() - age, "token": "theirs"}))
    os.utime(run / LOCK_NAME, (time.time() - age, time.time() - age))


def test_train_refuses_a_held_run_and_takes_over_a_stale_lock(image_folder, tmp_path):  # noqa: F811
    run = tmp_path / "run"
    args = ("train", str(image_folder), "--out", str(run), "--size", "8", "--preset", "tiny", "--batch", "8")
    code, _, err = run_cli(*args, "--steps", "2")
    assert code == 0, err
    assert not (run / LOCK_NAME).exists()                   # released at the end

    held_by(run, "gpu-server", 4242)
    metrics = (run / "metrics.jsonl").read_text()
    code, out, err = run_cli(*args, "--resume", "--steps", "4")
    assert code == 2
    assert err == (f"genstudio: error: {run}: another process is training this run (process 4242 on gpu-server, "
                   "since 2026-12-06 01:00:00); wait until it finishes or stop it there (the app can open the run "
                   "and follow it meanwhile)\n")
    assert (run / "metrics.jsonl").read_text() == metrics   # nothing written

    held_by(run, "gpu-server", 4242, age=3600)              # that machine stopped refreshing it an hour ago
    code, out, err = run_cli(*args, "--resume", "--steps", "4")
    assert code == 0, err
    assert "completed at step 4" in out
    assert f"warning: {run / LOCK_NAME}: took over the lock left by process 4242 on gpu-server" in err
    assert not (run / LOCK_NAME).exists()
