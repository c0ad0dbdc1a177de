"""Explore's Weights choice: a run that keeps its best weights (by held-out loss) is explored at its newest or at
its best, and the images name the checkpoint that drew them. Real tiny runs: a VAE validated every step for 3
steps, then continued 3 steps without validating, so its best (step 3) is older than its newest (step 6)."""
from __future__ import annotations

from pathlib import Path

import pytest

from studio.engine import Provenance
from studio.engine.families.vae import VAEConfig
from studio.engine.training import TrainConfig, Trainer
from uihelpers import blocky_dataset

TIMEOUT_MS = 20_000
BEST_STEP, NEWEST_STEP = 3, 6


def _train(run_dir: Path, family: str, **family_options) -> Path:
    config = TrainConfig(steps=BEST_STEP, batch_size=8, precision="fp32", device="cpu", preview_seconds=0,
                         validate_seconds=1e-6, quality_minutes=0, seed=1)
    trainer = Trainer(blocky_dataset(n=40, size=16), run_dir, family=family, config=config, **family_options)
    for _ in trainer.run():
        pass
    assert trainer.result.status == "completed"
    return run_dir


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    run = _train(tmp_path_factory.mktemp("best") / "run", "vae",
                 family_config=VAEConfig.from_preset("tiny", latent_dim=4))
    for _ in Trainer.resume(run, blocky_dataset(n=40, size=16), steps=NEWEST_STEP, validate_seconds=0).run():
        pass
    assert (run / "checkpoints" / "best.safetensors").is_file()
    return run


def _open(win, qtbot, run) -> None:
    win.open_run(str(run))
    qtbot.waitUntil(lambda: win.explore_panel.family() is not None and win._run_job is None, timeout=TIMEOUT_MS)


def test_explore_switches_to_the_best_weights_and_images_name_them(make_window, qtbot, run_dir):
    win = make_window()
    win.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    explore = win.explore_panel
    _open(win, qtbot, run_dir)
    combo = explore.weights_combo
    assert not explore.weights_choice.isHidden() and combo.currentIndex() == 0 and combo.count() == 2
    assert f"step {NEWEST_STEP}" in combo.itemText(0)
    assert f"step {BEST_STEP}, loss " in combo.itemText(1)                 # the held-out objective and its value
    assert "by heart" in combo.toolTip()
    best = run_dir / "checkpoints" / "best.safetensors"
    combo.setCurrentIndex(1)                                             # as the user picks it: reopens the run
    assert not explore.weights_choice.isEnabled()                        # until the best weights are loaded
    qtbot.waitUntil(lambda: Path(explore._provenance.checkpoint or "") == best.resolve(), timeout=TIMEOUT_MS)
    assert explore.weights_choice.isEnabled() and combo.currentIndex() == 1
    assert win.training_panel.resume_dir == str(run_dir) and win.training_panel._resume_step == NEWEST_STEP
    explore._count.setValue(2)
    with qtbot.waitSignal(explore.images_generated, timeout=TIMEOUT_MS) as signal:
        explore.generate()
    made = [item.provenance for item in signal.args[0]]
    assert len(made) == 2
    assert all(Path(m.checkpoint) == best.resolve() and m.checkpoint_step == BEST_STEP for m in made)
    combo.setCurrentIndex(0)                                             # and back to the newest
    qtbot.waitUntil(lambda: Path(explore._provenance.checkpoint or "").name == "last.safetensors",
                    timeout=TIMEOUT_MS)
    assert explore._provenance.checkpoint_step == NEWEST_STEP and combo.currentIndex() == 0
    win.restore_image("best.png", made[0])                               # an image the best weights drew
    qtbot.waitUntil(lambda: combo.currentIndex() == 1 and win._run_job is None, timeout=TIMEOUT_MS)
    assert Path(explore._provenance.checkpoint) == best.resolve()
    # the live model (Train paused) has no checkpoint yet: no choice
    explore.set_model(explore.family(), Provenance(family="vae", run=str(run_dir), checkpoint_step=NEWEST_STEP))
    assert explore.weights_choice.isHidden()
    win.close()


def test_a_failed_switch_puts_the_choice_back(make_window, qtbot, run_dir, tmp_path):
    win = make_window()
    errors = []
    win.show_error = lambda title, message: errors.append(message)
    _open(win, qtbot, run_dir)
    explore, combo = win.explore_panel, win.explore_panel.weights_combo
    combo.setItemData(1, str(tmp_path / "gone.safetensors"))
    combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: bool(errors), timeout=TIMEOUT_MS)
    assert explore.weights_choice.isEnabled() and combo.currentIndex() == 0
    assert Path(explore._provenance.checkpoint).name == "last.safetensors"
    win.close()


def test_a_gan_run_offers_no_choice(make_window, qtbot, tmp_path):
    run = _train(tmp_path / "gan", "gan")                                # validated, but a GAN has no held-out loss
    assert not (run / "checkpoints" / "best.safetensors").exists()
    win = make_window()
    _open(win, qtbot, run)
    assert win.explore_panel.weights_choice.isHidden()
    win.close()
