"""Training in the window, offscreen, with the real engine: the VAE at its tiny preset on 16 px demo shapes.

Train delivers Started, progress and previews; the loss plot fills; Pause hands
the live model to Explore and Resume takes it back; Stop saves a checkpoint;
Train again continues the run; closing during training asks, then saves.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from studio.engine.training import TrainConfig
from studio.ui.app import create_app
from studio.ui.main_window import MainWindow

TIMEOUT_MS = 60_000


@pytest.fixture
def window(training_window):
    return training_window


def test_train_pause_resume_stop_and_continue(window, qtbot):
    panel, preview = window.training_panel, window.preview_panel
    assert panel.readiness() is None and panel.train_button.isEnabled()
    progressed = []
    panel.progressed.connect(progressed.append)
    with qtbot.waitSignal(panel.preview_arrived, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert window.pages.currentIndex() == 2                      # the Train step comes forward
    qtbot.waitUntil(lambda: len(progressed) >= 3, timeout=TIMEOUT_MS)
    assert progressed[-1].step > progressed[0].step and "loss" in progressed[-1].losses
    qtbot.waitUntil(lambda: preview.redraws >= 1 and window.training_panel.loss_plot.redraws >= 1,
                    timeout=TIMEOUT_MS)
    assert preview.entries() and "reconstruction" in preview.entries()[0].frame.extras
    steps, smoothed = panel.loss_plot.smoothed("loss")
    assert len(steps) >= 3 and (steps[1:] > steps[:-1]).all()
    assert "Step" in window.steps.item(2).text()

    models = []
    panel.model_changed.connect(lambda family, provenance: models.append((family, provenance)))
    window.train_action.trigger()                                 # Ctrl+T / Space: pause
    qtbot.waitUntil(lambda: panel.state == "paused", timeout=TIMEOUT_MS)
    assert models and models[-1][0] is panel.trainer.family        # sample while paused
    assert models[-1][1].run == str(panel.trainer.run_dir)
    if window.explore_panel is not None:
        assert window.explore_panel.family() is panel.trainer.family
    paused_at = panel.step
    assert panel.train_button.text() == "Resume" and panel.stop_button.isEnabled()

    window.train_action.trigger()                                 # resume
    assert models[-1] == (None, None) and panel.state == "running"
    qtbot.waitUntil(lambda: panel.step > paused_at, timeout=TIMEOUT_MS)

    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS) as finished:
        window.stop_action.trigger()                              # Ctrl+.
    result = finished.args[0]
    assert result.status == "stopped" and result.step > paused_at
    assert f"Stopped at step {result.step:,}" in window.steps.item(2).text()
    assert result.checkpoint and Path(result.checkpoint).is_file()
    qtbot.waitUntil(lambda: models[-1][0] is not None, timeout=TIMEOUT_MS)   # Explore gets the trained model
    assert models[-1][1].checkpoint_hash and models[-1][1].checkpoint_step == result.step

    # Train again continues the same run from its checkpoint.
    assert panel.resume_dir == result.run_dir and panel.train_button.text() == "Continue run"
    panel.length_spin.setValue(3)
    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS) as again:
        with qtbot.waitSignal(panel.training_started, timeout=TIMEOUT_MS) as started:
            panel.start_training()
    assert started.args[0].resumed and started.args[0].step == result.step
    assert again.args[0].status == "completed" and again.args[0].step == result.step + 3
    qtbot.waitUntil(lambda: f"Completed at step {result.step + 3:,}" in window.steps.item(2).text(),
                    timeout=TIMEOUT_MS)                            # the steps rail says it as the panel does


def test_closing_during_training_asks_then_saves(window, qtbot):
    panel = window.training_panel
    asked = []
    window.confirm_close_during_training = lambda: asked.append(True) or False
    with qtbot.waitSignal(panel.progressed, timeout=TIMEOUT_MS):
        panel.start_training()
    run_dir = Path(panel.trainer.run_dir)
    window.close()                                                # answered Cancel: nothing happens
    assert asked and window.isVisible() and panel.is_training
    window.confirm_close_during_training = lambda: True
    window.close()
    assert not window.isVisible() and not panel.is_training
    assert not any(job.running for job in window.jobs())
    assert (run_dir / "checkpoints" / "last.safetensors").is_file()

    # Reopening the run (File ▸ Open run) continues it: same dataset, the model in Explore, Train resumes.
    again = MainWindow(measure_speed=False, open_last_dataset=False)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: again.family_panel.loaded, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(again.dataset_panel.dataset_loaded, timeout=TIMEOUT_MS):
        again.open_run(str(run_dir))
    panel = again.training_panel
    assert panel.resume_dir == str(run_dir) and again.selected_family == "vae"
    assert again.dataset_panel.dataset.images.shape[1] == 16
    assert "loss" in panel.loss_plot.keys()                                   # the run's loss history is back
    # File ▸ Open recent run lists it first (newest checkpoint), and a stray folder is left out
    (run_dir.parent / "not-a-run").mkdir()
    again.recent_menu.aboutToShow.emit()
    entries = [a.data() for a in again.recent_menu.actions()]
    assert entries[0] == str(run_dir.resolve()) and not any("not-a-run" in str(e) for e in entries)
    if again.explore_panel is not None:
        assert again.explore_panel.family() is not None
    panel.unit_combo.setCurrentIndex(panel.unit_combo.findData("steps"))
    panel.length_spin.setValue(2)
    with qtbot.waitSignal(panel.training_finished, timeout=TIMEOUT_MS) as finished:
        with qtbot.waitSignal(panel.training_started, timeout=TIMEOUT_MS) as started:
            assert panel.start_training()
    assert started.args[0].resumed and finished.args[0].step == started.args[0].step + 2
    again.close()
    assert not any(job.running for job in again.jobs())


def test_a_folder_that_is_not_a_run_is_a_dialog(window, qtbot, tmp_path):
    errors = []
    window.show_error = lambda title, message: errors.append((title, message))
    job = window.open_run(str(tmp_path))
    qtbot.waitUntil(lambda: bool(errors), timeout=TIMEOUT_MS)
    assert not job.running
    assert str(tmp_path) in errors[0][1] and "not a genstudio run folder" in errors[0][1]


def test_settings_that_cannot_train_are_a_message(window, qtbot):
    panel = window.training_panel
    panel.lr_spin.setValue(0.0)                # below the spin box's minimum: clamped, still valid
    assert panel.lr_spin.value() > 0
    panel.precision_combo.setCurrentIndex(panel.precision_combo.findData("fp16"))     # refused on the CPU
    qtbot.waitUntil(lambda: panel.device_combo.findData("cpu") >= 0, timeout=TIMEOUT_MS)   # devices listed
    panel.device_combo.setCurrentIndex(panel.device_combo.findData("cpu"))
    with qtbot.waitSignal(panel.state_changed, timeout=TIMEOUT_MS, check_params_cb=lambda s: s == "idle"):
        assert panel.start_training()
    assert "fp16 is not supported" in panel.message_label.text() and "Traceback" not in panel.message_label.text()
    assert panel.train_button.isEnabled() and not panel.is_training
    window.family_panel.set_families(())       # no family at all
    panel.set_family(None)
    assert not panel.train_button.isEnabled() and "model family" in panel.readiness_label.text()
    assert panel.start_training() is False and "model family" in panel.message_label.text()


def test_the_speed_estimate_measures_real_steps(make_window, qtbot):
    win = make_window(measure_speed=True)
    win.family_panel.select_family("vae")
    win.training_panel.model_combo.setCurrentIndex(win.training_panel.model_combo.findData("tiny"))
    win.training_panel.batch_spin.setValue(8)
    win.dataset_panel.load("demo:shapes")
    label = win.dataset_panel.estimate_label
    qtbot.waitUntil(lambda: "per 1000 steps" in label.text(), timeout=TIMEOUT_MS)
    assert "measured over 5 real steps at batch 8, 16 px" in label.text()
    win.close()
    assert not any(job.running for job in win.jobs())


def test_a_multi_stage_family_shows_its_stage_on_the_progress_bar(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from studio.engine.training import Progress
    from studio.ui.panels.training import TrainingPanel

    create_app()
    panel = TrainingPanel(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(panel)
    event = Progress(step=700, total_steps=1000, epoch=3, losses={"prior_loss": 2.0}, lr=1e-3, images_per_sec=50.0,
                     elapsed_seconds=60.0, eta_seconds=30.0, fraction=0.7, stage="prior (2/2)")
    panel._on_progress(event)
    assert panel.progress_bar.format().startswith("prior (2/2)") and "700" in panel.progress_bar.format()
    panel._on_progress(Progress(**{**event.__dict__, "stage": ""}))
    assert panel.progress_bar.format().startswith("step 700")


def test_the_familys_other_training_defaults_apply_and_the_form_wins(window):
    """The family's suggestions the form has no field for (VQ-VAE: a shorter EMA) reach the Trainer, as they do
    from the command line; batch size, learning rate and length stay the form's."""
    from studio.engine.families import get_family

    window.family_panel.select_family("vqvae")
    panel = window.training_panel
    panel.batch_spin.setValue(24)
    trainer = panel._make_trainer()
    assert get_family("vqvae").train_defaults["ema_decay"] != TrainConfig().ema_decay
    assert trainer.config.ema_decay == get_family("vqvae").train_defaults["ema_decay"]
    assert trainer.config.batch_size == 24 and trainer.config.steps == panel.length_spin.value()


def test_a_recipe_on_a_cpu_picks_the_familys_cpu_preset_and_a_gpu_the_one_by_size(window):
    """Diffusion's Balanced is `light` on a CPU (small gets a quarter of the steps in 15 minutes), the
    mid-sized preset by position with a GPU; a family without a CPU choice keeps the one by position."""
    panel = window.training_panel
    window.family_panel.select_family("diffusion")
    presets = panel._family.presets
    assert presets.index("light") < presets.index("small")
    panel.set_devices([("auto", "Automatic"), ("cpu", "CPU")])
    panel.apply_preset("balanced")
    assert panel.trains_on_cpu() and panel.model_combo.currentData() == "light"
    panel.set_devices([("auto", "Automatic"), ("cuda:0", "GPU 0"), ("cpu", "CPU")])     # re-picked: a GPU trains
    assert not panel.trains_on_cpu() and panel.model_combo.currentData() == "small"
    panel.device_combo.setCurrentIndex(panel.device_combo.findData("cpu"))        # by hand: re-picked too
    assert panel.trains_on_cpu() and panel.model_combo.currentData() == "light"
    panel.device_combo.setCurrentIndex(panel.device_combo.findData("cuda:0"))
    assert panel.model_combo.currentData() == "small"
    panel.model_combo.setCurrentIndex(panel.model_combo.findData("tiny"))          # a model size picked by hand
    panel.device_combo.setCurrentIndex(panel.device_combo.findData("cpu"))         # stays
    assert panel.model_combo.currentData() == "tiny"
    panel.apply_preset("balanced")
    assert panel.trains_on_cpu() and panel.model_combo.currentData() == "light"
    window.family_panel.select_family("vae")
    panel.apply_preset("balanced")
    vae = panel._family.presets
    assert panel.model_combo.currentData() == vae[round(0.5 * (len(vae) - 1))]


def test_a_recipe_at_an_image_size_where_the_family_names_a_lighter_cpu_preset_takes_it_and_says_why(window):
    """A family that names a lighter preset for a timed run on a CPU at 32 px (FamilyConfig.cpu_timed_presets;
    no family does today, see docs/defaults.md): Balanced takes it and says why; with a GPU it does not."""
    import dataclasses

    panel = window.training_panel
    window.family_panel.select_family("vae")
    panel._family = dataclasses.replace(panel._family, cpu_timed_presets={32: "tiny"})
    panel.set_devices([("auto", "Automatic"), ("cpu", "CPU")])
    panel.apply_preset("balanced")
    assert panel.model_combo.currentData() == "tiny" and "lighter model size" in panel.preset_label.text()
    panel.set_devices([("auto", "Automatic"), ("cuda:0", "GPU 0"), ("cpu", "CPU")])
    panel.apply_preset("balanced")
    assert panel.model_combo.currentData() == "small" and "lighter" not in panel.preset_label.text()


def test_the_panel_handles_every_training_event_and_refuses_an_unknown_one(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from studio.engine import events as ev
    from studio.ui.panels.training import TrainingPanel
    from tests.engine.test_events import example

    create_app()
    panel = TrainingPanel(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(panel)
    for cls in ev.TRAIN_EVENTS:
        panel._on_job_yielded(example(cls))
    with pytest.raises(ev.UnknownEvent):
        panel._on_job_yielded(object())


def test_quality_measured_while_training_is_drawn_beside_the_losses_live_and_from_a_runs_history(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from studio.engine import events as ev
    from studio.ui.main_window import show_history
    from studio.ui.panels.training import TrainingPanel
    from studio.ui.widgets.loss_plot import QUALITY_ADHERENCE, QUALITY_KID

    create_app()
    panel = TrainingPanel(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(panel)
    for step, kid in ((100, 0.9), (300, 0.4)):
        panel._on_job_yielded(ev.Measured(step=step, kid=kid, kid_std=0.05, adherence=0.5, samples=64,
                                          train_seconds=step / 10, cost_seconds=0.2, share=0.02))
    steps, values = panel.loss_plot.quality(QUALITY_KID)
    assert steps.tolist() == [100, 300] and values.tolist() == [0.9, 0.4]
    assert panel.loss_plot.quality(QUALITY_ADHERENCE)[1].tolist() == [0.5, 0.5]
    panel.loss_plot.redraw()
    assert QUALITY_KID in panel.loss_plot._charts

    show_history(panel.loss_plot, [{"kind": "train", "step": 1, "loss": 2.0},
                                   {"kind": "quality", "step": 5, "seconds": 1.0, "kid": 0.7, "adherence": None}])
    assert panel.loss_plot.quality(QUALITY_KID)[1].tolist() == [0.7]
    assert panel.loss_plot.quality(QUALITY_ADHERENCE)[0].size == 0
    assert panel.loss_plot.keys() == ["loss", QUALITY_KID]          # the quality record's fields are no losses


def test_mirror_images_is_off_by_default_and_the_check_box_reaches_the_train_config(window, qtbot):
    from PySide6.QtCore import QPoint

    panel = window.training_panel
    assert not panel.mirror_check.isChecked() and panel._make_trainer().config.mirror is False
    panel.advanced.expand(animate=False)
    check = panel.mirror_check                                    # on its box, at the left
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(6, check.height() // 2))
    assert panel.mirror_check.isChecked() and panel.settings().mirror is True
    assert panel._make_trainer().config.mirror is True


def test_mirror_images_is_kept_with_the_other_settings_and_the_progress_says_which_augmentation_runs(
        qtbot, tmp_path):
    from types import SimpleNamespace

    from PySide6.QtCore import QSettings

    from studio.engine import events as ev
    from studio.ui.panels.training import TrainingPanel
    from tests.engine.test_events import example

    create_app()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    panel = TrainingPanel(settings)
    qtbot.addWidget(panel)
    assert panel.settings().mirror is False and "handedness" in panel.mirror_check.toolTip()
    panel.mirror_check.setChecked(True)
    panel.save_settings()
    again = TrainingPanel(settings)
    qtbot.addWidget(again)
    assert again.mirror_check.isChecked() and again.settings().train_config_values()["mirror"] is True
    for mirror, words in ((True, "Augmentation: left-right mirror flips"), (False, "Augmentation: none")):
        again._trainer = SimpleNamespace(config=TrainConfig(mirror=mirror))     # a continued run: its own setting
        again._on_job_yielded(example(ev.Started))
        assert again.augmentation_label.text() == words


def test_the_data_step_says_which_augmentation_training_adds(window):
    text = window.dataset_panel.augmentation_label.text()
    assert text.startswith("None, unless you turn on Mirror images") and "handedness" in text
    assert "\nMirror flips look harmless here: flipped, " in text            # demo shapes: no handedness


def test_ticking_mirror_images_on_a_dataset_with_a_handedness_says_what_flips_will_do(window):
    from studio.engine.data import DatasetReport, ImageDataset
    from tests.engine.test_mirror import _strokes

    panel = window.training_panel
    panel.advanced.expand(animate=False)
    panel.mirror_check.setChecked(True)
    assert panel.mirror_warning.isHidden()                                   # demo shapes: flips do no harm
    images = _strokes(80, 0)
    report = DatasetReport(root="strokes", found=80, loaded=80, skipped=(), labels=(), label_counts={},
                           captioned=0, caption_source="none", channels=1, size=16)
    panel.set_dataset(ImageDataset(images=images, labels=None, captions=("",) * 80,
                                   files=tuple(f"{i}.png" for i in range(80)), report=report, fingerprint="strokes"))
    assert not panel.mirror_warning.isHidden()
    assert "This dataset has a handedness" in panel.mirror_warning.text()
    assert "this folder has a handedness" in panel.mirror_warning.toolTip()
    panel.mirror_check.setChecked(False)
    assert panel.mirror_warning.isHidden()


def test_a_batch_that_would_not_fit_the_memory_is_asked_about_before_training(window, qtbot, monkeypatch):
    from studio.engine.training import memory

    panel = window.training_panel
    panel.batch_spin.setValue(512)
    monkeypatch.setattr(memory, "available_memory", lambda device: 300 * 2**20)   # a small machine: 300 MiB free
    asked = []
    panel.ask_batch = lambda text, fits: asked.append((text, fits)) or None         # Cancel
    assert panel.start_training() is False and not panel.is_training
    text, fits = asked[0]
    assert "batch size 512 needs about" in text and f"batch size {fits} fits" in text and 1 <= fits < 512
    panel.ask_batch = lambda text, fits: "lower"
    assert panel.start_training()
    assert panel.batch_spin.value() == fits and panel.trainer.config.batch_size == fits
    assert panel.stop_and_wait()
