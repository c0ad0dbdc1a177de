"""The app follows a run another process trains: a real `genstudio train` subprocess for a few seconds, the
window opened on its folder while it trains, live to the end (progress, losses, previews, the newest model),
with Train off while the other process holds the run."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

TIMEOUT_MS = 90_000


@pytest.fixture
def image_folder(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    root = tmp_path / "pictures"
    root.mkdir()
    for i in range(24):
        img = np.full((12, 12, 3), 240, np.uint8)
        x, y = rng.integers(0, 6, size=2)
        img[y:y + 6, x:x + 6] = (220, 30, 30) if i % 2 else (30, 30, 220)
        Image.fromarray(img).save(root / f"{i:02d}.png")
    return root


def start_training(image_folder: Path, run: Path) -> subprocess.Popen:
    """`genstudio train` for 4 s of training: a checkpoint every 1.2 s, a preview every second."""
    cmd = [sys.executable, "-m", "studio", "train", str(image_folder), "--family", "vae", "--out", str(run),
           "--size", "16", "--preset", "tiny", "--batch", "8", "--minutes", "0.066", "--quality-minutes", "0",
           "--checkpoint-minutes", "0.02", "--set", "preview_seconds=1", "--set", "log_seconds=0.3"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))


def test_the_app_follows_a_run_the_cli_trains_to_its_end(make_window, qtbot, image_folder, tmp_path):
    run = tmp_path / "run"
    proc = start_training(image_folder, run)
    try:
        qtbot.waitUntil(lambda: (run / "owner.lock").exists() or proc.poll() is not None, timeout=TIMEOUT_MS)
        assert proc.poll() is None, proc.communicate()[1]
        win = make_window()
        errors = []
        win.show_error = lambda title, message: errors.append(f"{title}: {message}")
        panel = win.training_panel
        win.open_run(str(run))                            # early on: before or after its first checkpoint

        qtbot.waitUntil(lambda: panel.followed_summary.startswith("Following"), timeout=TIMEOUT_MS)
        assert not errors, errors
        assert not panel.train_button.isEnabled() and panel.held_elsewhere
        assert "Another process is training this run (process " in panel.readiness_label.text()
        assert f"process {proc.pid} on " in panel.follow_label.text()
        qtbot.waitUntil(lambda: len(win.preview_panel.entries()) >= 1 and bool(panel.loss_plot.keys()),
                        timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: win.explore_panel.family() is not None, timeout=TIMEOUT_MS)   # a mid-run checkpoint
        qtbot.waitUntil(lambda: win.follower is not None and win.follower.last is not None, timeout=TIMEOUT_MS)
        win.show_step(2)                                  # the Train page, as the user watches it
        plot = panel.loss_plot
        qtbot.waitUntil(lambda: win.preview_panel.caption.text().startswith("Step")
                        and len(plot._charts) == len(plot.keys()), timeout=TIMEOUT_MS)   # drawn, every chart
        shot = tmp_path / "following.png"
        win.grab().save(str(shot))
        if os.environ.get("GENSTUDIO_SHOTS"):
            shutil.copy(shot, Path(os.environ["GENSTUDIO_SHOTS"]) / "train-page-following.png")
        assert np.asarray(Image.open(shot).convert("L")).std() > 10

        qtbot.waitUntil(lambda: win.follower is not None and win.follower.last is not None
                        and win.follower.last.state == "finished", timeout=TIMEOUT_MS)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        final = int(out.split("completed at step ")[1].split(";")[0])
        qtbot.waitUntil(lambda: win.explore_panel._provenance is not None
                        and win.explore_panel._provenance.checkpoint_step == final, timeout=TIMEOUT_MS)
        assert panel.followed_summary == f"Completed at step {final:,}" == panel.progress_bar.format()
        assert panel.progress_bar.value() == 1000
        assert not panel.held_elsewhere
        qtbot.waitUntil(panel.train_button.isEnabled, timeout=TIMEOUT_MS)   # Train continues it (its data loaded)
        assert panel.readiness_label.text() == f"Continuing run from step {final:,}: Train adds the length below."
        assert panel.resume_dir == str(run) and panel._resume_step == final
        steps, _ = panel.loss_plot.smoothed("loss")
        assert steps.max() == final                       # the losses to the last logged step
        assert win.steps.item(2).toolTip() == f"Completed at step {final:,}"
        assert not errors, errors
        qtbot.wait(50)                                    # the answered polls' deleteLater
        from studio.ui.workers import Job
        assert len(win.follower.findChildren(Job)) <= 2   # a poll a second, each deleted once it answered
        if os.environ.get("GENSTUDIO_SHOTS"):
            win.show_step(2)
            win.grab().save(str(Path(os.environ["GENSTUDIO_SHOTS"]) / "train-page-followed-finished.png"))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_pressing_train_on_a_held_run_says_who_holds_it(make_window, qtbot, tmp_path):
    """A finished run opens as before; once another machine trains it (its lock appears), the Train page follows
    it and Train explains instead of starting."""
    from studio.engine.families.vae import VAEConfig
    from studio.engine.training import TrainConfig, Trainer
    from uihelpers import blocky_dataset
    import json
    import time

    run = tmp_path / "run"
    config = TrainConfig(steps=2, batch_size=8, precision="fp32", device="cpu", preview_seconds=0,
                         validate_seconds=0, quality_minutes=0, seed=1)
    for _ in Trainer(blocky_dataset(n=24, size=16), run, family="vae", config=config,
                     family_config=VAEConfig.from_preset("tiny", latent_dim=4)).run():
        pass
    win = make_window()
    win.show_error = lambda title, message: pytest.fail(message)
    panel = win.training_panel
    win.open_run(str(run))
    qtbot.waitUntil(lambda: win.follower is not None and win.follower.last is not None, timeout=TIMEOUT_MS)
    assert win.follower.last.state == "finished"
    assert panel.follow_label.isHidden() and panel.followed_summary == "" and not panel.held_elsewhere

    (run / "owner.lock").write_text(json.dumps({"host": "gpu-server", "pid": 77, "started": "2026-12-06 01:00:00",
                                                "heartbeat": time.time(), "token": "theirs"}))
    qtbot.waitUntil(lambda: panel.held_elsewhere, timeout=TIMEOUT_MS)
    assert panel.follow_label.text() == ("● Trained elsewhere, followed live: process 77 on gpu-server, since "
                                         "2026-12-06 01:00:00")
    assert not panel.start_training()
    assert panel.message_label.text().startswith("Another process is training this run (process 77 on gpu-server")
    assert panel.state == "idle" and json.loads((run / "owner.lock").read_text())["pid"] == 77

    os.utime(run / "owner.lock", (time.time() - 600, time.time() - 600))     # that machine went silent
    qtbot.waitUntil(lambda: panel.followed_summary == "No longer updating · step 2", timeout=TIMEOUT_MS)
    assert not panel.held_elsewhere
    assert panel.follow_label.text().startswith("Trained elsewhere: no longer updating, no sign of process 77 on "
                                                "gpu-server for 10 min ")
    assert panel.follow_label.text().endswith(" s. Train takes the run over.")
    (run / "owner.lock").unlink()                         # that machine finished: the run is free again
    qtbot.waitUntil(lambda: panel.followed_summary == "Completed at step 2", timeout=TIMEOUT_MS)
    assert panel.readiness().startswith("Load a dataset first")       # its data is all Train lacks now
