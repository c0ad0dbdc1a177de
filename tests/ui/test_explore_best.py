"""Explore offers a run's best weights (by held-out loss) beside its newest, and images name the one they came
from. A real tiny run whose held-out loss is scripted to rise, so training keeps a best.safetensors."""
from __future__ import annotations

from pathlib import Path

import pytest

from studio.engine.families.vae import VAE, VAEConfig
from studio.engine.training import TrainConfig, Trainer
from uihelpers import blocky_dataset, train_tiny_vae

TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    script = iter([1.0, 0.8, 0.9, 1.0, 1.1, 1.2])
    original = VAE.validation_losses
    VAE.validation_losses = lambda self, batch: {"loss": next(script)}
    try:
        trainer = Trainer(blocky_dataset(n=40, size=16), tmp_path_factory.mktemp("best") / "run", family="vae",
                          family_config=VAEConfig.from_preset("tiny", latent_dim=4),
                          config=TrainConfig(steps=6, batch_size=8, precision="fp32", device="cpu",
                                             preview_seconds=0, validate_seconds=1e-6, quality_minutes=0))
        for _ in trainer.run():
            pass
    finally:
        VAE.validation_losses = original
    assert (trainer.run_dir / "checkpoints" / "best.safetensors").is_file()
    return trainer.run_dir


def test_explore_switches_to_the_best_weights_and_back(make_window, qtbot, run_dir):
    win = make_window()
    win.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    explore = win.explore_panel
    win.open_run(str(run_dir))
    qtbot.waitUntil(lambda: explore.family() is not None, timeout=TIMEOUT_MS)
    button = explore.weights_button
    assert not button.isHidden() and "step 2" in button.text()          # the best was the second validation
    best = run_dir / "checkpoints" / "best.safetensors"
    button.click()
    qtbot.waitUntil(lambda: Path(explore._provenance.checkpoint or "") == best, timeout=TIMEOUT_MS)
    assert explore._provenance.checkpoint_step == 2 and "newest" in button.text()
    explore._count.setValue(2)
    with qtbot.waitSignal(explore.images_generated, timeout=TIMEOUT_MS) as signal:
        explore.generate()
    assert all(Path(item.provenance.checkpoint) == best for item in signal.args[0])
    button.click()
    qtbot.waitUntil(lambda: Path(explore._provenance.checkpoint or "").name == "last.safetensors",
                    timeout=TIMEOUT_MS)
    win.close()


def test_no_choice_without_a_best_checkpoint(make_window, qtbot, tmp_path):
    run = train_tiny_vae(tmp_path / "run", 16)                       # validation off: no best kept
    win = make_window()
    win.open_run(str(run))
    qtbot.waitUntil(lambda: win.explore_panel.family() is not None, timeout=TIMEOUT_MS)
    assert win.explore_panel.weights_button.isHidden()
    win.close()
