"""The Explore panel offscreen on a real tiny VAE: Generate fills the gallery, a newer request cancels
the older, latent sliders decode off the main thread, dropped images become the start, options and
progressive frames come from the family's contract."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from studio.engine.families.base import PROGRESSIVE, PROMPT, Frame, SampleOption
from studio.engine.run import Run
from studio.ui.panels.explore import ExplorePanel
from studio.ui.panels.gallery import GalleryPanel
from studio.ui.widgets.image_grid import mosaic, to_qimage
from uihelpers import drop, train_tiny_vae

TIMEOUT_MS = 20_000
SIZE = 16


@pytest.fixture(autouse=True)
def no_thread_left():
    yield
    assert QThreadPool.globalInstance().waitForDone(3000), "a background job outlived its test"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny VAE trained 3 steps on 16 px images, loaded back from its run folder."""
    run_dir = train_tiny_vae(tmp_path_factory.mktemp("explore") / "run", SIZE)
    family, ckpt = Run.open(run_dir).load_family()
    provenance = {"family": "vae", "model": "run", "run": str(run_dir), "checkpoint": str(ckpt.path),
                  "checkpoint_hash": "abc123", "checkpoint_step": ckpt.step}
    return family, provenance


@pytest.fixture
def panel(qtbot, trained):
    family, provenance = trained
    explore = ExplorePanel()
    qtbot.addWidget(explore)
    explore.show()
    explore.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    explore.set_model(family, provenance)
    yield explore
    assert explore.stop(10)
    assert not explore.jobs()


def wait_latent_idle(qtbot, panel):
    """Until the image shown is the decode of the current slider position and no decode is queued.

    (A job stops counting as running in its worker thread a moment before its result reaches the
    panel, so "no job running" alone could still see the previous position's image.)"""
    def idle():
        shown = panel._latent_shown
        return (not panel.jobs() and not panel._decode_busy and panel._latent_pending is None
                and shown is not None and np.array_equal(shown[0], panel.latent_position()))

    qtbot.waitUntil(idle, timeout=TIMEOUT_MS)


def test_generate_fills_the_gallery_with_the_cli_params(panel, qtbot, tmp_path):
    gallery = GalleryPanel()
    qtbot.addWidget(gallery)
    panel.images_generated.connect(gallery.add_items)
    panel._count.setValue(3)
    panel._seed.setValue(40)
    panel._option_widgets["temperature"][1].setValue(0.5)
    with qtbot.waitSignal(panel.images_generated, timeout=TIMEOUT_MS) as signal:
        qtbot.mouseClick(panel._generate_button, Qt.MouseButton.LeftButton)
    items = signal.args[0]
    assert len(gallery.items()) == 3 and gallery.items()[0] is items[0]
    assert [item.params["seed"] for item in items] == [40, 41, 42]
    expected = next(panel.family().sample(3, seed=40, temperature=0.5)).images
    np.testing.assert_array_equal(np.stack([item.image for item in items]), expected)
    params = items[1]
    assert params.params["options"] == {"temperature": 0.5}
    assert params.params["checkpoint_hash"] == "abc123" and params.params["family"] == "vae"
    assert params.params["width"] == SIZE and params.params["batch_seed"] == 40 and params.params["index"] == 1
    assert items[0].frames == ()                                  # one frame: nothing to animate
    assert panel._samples_view.count() == 3


def test_a_newer_generate_cancels_the_older(panel, qtbot):
    panel._count.setValue(2)
    panel._seed.setValue(1)
    first = panel.generate()
    panel._seed.setValue(7)
    received = []
    panel.images_generated.connect(received.append)
    with qtbot.waitSignal(panel.images_generated, timeout=TIMEOUT_MS):
        second = panel.generate()
    assert first.cancelled and not second.cancelled
    qtbot.waitUntil(lambda: not first.running and not second.running, timeout=TIMEOUT_MS)
    QApplication.processEvents()
    assert len(received) == 1 and [i.params["seed"] for i in received[0]] == [7, 8]


def test_latent_sliders_decode_off_the_main_thread(panel, qtbot, monkeypatch):
    wait_latent_idle(qtbot, panel)
    family = panel.family()
    threads = []
    decode = family.decode
    monkeypatch.setattr(family, "decode", lambda z: threads.append(threading.current_thread()) or decode(z))
    before = panel._latent_view.pixmap().toImage()
    slider = panel.sliders()[0]
    assert len(panel.sliders()) == min(12, len(family.latent_directions()))
    with qtbot.waitSignal(panel.latent_decoded, timeout=TIMEOUT_MS) as signal:
        slider.setValue(0 if slider.value() > 500 else 1000)
    wait_latent_idle(qtbot, panel)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert panel._latent_view.pixmap().toImage() != before
    position = panel.latent_position()
    np.testing.assert_array_equal(signal.args[0], decode(position[None])[0])
    direction = panel._directions[0]
    moved = (position - panel._latent_base) @ direction.vector
    assert moved == pytest.approx(panel._slider_position(0) - panel._latent_projection[0], abs=1e-4) and moved != 0


def test_fast_slider_moves_collapse_to_the_latest(panel, qtbot):
    wait_latent_idle(qtbot, panel)
    slider = panel.sliders()[1]
    for value in range(0, 1001, 50):                  # 21 moves while decodes run
        slider.setValue(value)
    wait_latent_idle(qtbot, panel)
    shown, image = panel._latent_shown
    np.testing.assert_array_equal(shown, panel.latent_position())
    np.testing.assert_array_equal(image, panel.family().decode(shown[None])[0])


def test_latent_image_goes_to_the_gallery_with_its_position(panel, qtbot):
    panel.start_latent_from_seed(5)
    wait_latent_idle(qtbot, panel)
    np.testing.assert_array_equal(panel._latent_shown[1], next(panel.family().sample(1, seed=5)).images[0])
    with qtbot.waitSignal(panel.images_generated, timeout=TIMEOUT_MS) as signal:
        panel._add_latent.click()
    (item,) = signal.args[0]
    assert item.params["latent_seed"] == 5 and item.params["seed"] == 5
    np.testing.assert_allclose(item.params["latent"], panel.latent_position())


def test_a_dropped_image_becomes_the_start(panel, qtbot, tmp_path):
    wait_latent_idle(qtbot, panel)
    path = tmp_path / "red.png"
    Image.new("RGB", (20, 20), (255, 0, 0)).save(path)
    drop(panel, path)
    qtbot.waitUntil(lambda: panel._latent_origin.get("latent_source") == "red.png", timeout=TIMEOUT_MS)
    wait_latent_idle(qtbot, panel)
    red = np.zeros((1, SIZE, SIZE, 3), np.uint8)
    red[..., 0] = 255
    np.testing.assert_allclose(panel.latent_position(), panel.family().encode(red)[0], atol=1e-5)


def test_a_broken_dropped_file_names_it(panel, qtbot, tmp_path):
    errors = []
    panel.show_error = lambda title, message: errors.append(message)
    path = tmp_path / "broken.png"
    path.write_bytes(b"not a png")
    drop(panel, path)
    qtbot.waitUntil(lambda: bool(errors), timeout=TIMEOUT_MS)
    assert "broken.png" in errors[0] and "Traceback" not in errors[0]


# -- capabilities and options from the contract, with a fake progressive family -----------------------
class Progressive:
    """A stand-in family with prompt + progressive capabilities and every kind of option."""

    capabilities = frozenset({PROMPT, PROGRESSIVE})

    def __init__(self, data):
        self.data = data
        self.calls = []

    @staticmethod
    def sample_options():
        return [SampleOption("steps", "int", 5, 1, 50), SampleOption("guidance", "float", 3.0, 0.0, 10.0),
                SampleOption("sampler", "choice", "ddim", choices=("ddpm", "ddim")),
                SampleOption("clip", "bool", True), SampleOption("negative", "str", "")]

    def sample(self, n, *, seed, prompt=None, **options):
        self.calls.append((n, seed, prompt, options))
        for step in range(1, options["steps"] + 1):
            images = np.full((n, 4, 4, 3), (40 * step) % 256, np.uint8)
            yield Frame(images=images, step=step, total=options["steps"], label="denoising",
                        extras={"x0": 255 - images})


def test_options_prompt_and_live_frames_come_from_the_contract(qtbot, trained):
    family = Progressive(trained[0].data)
    panel = ExplorePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_model(family, {"family": "fake"})
    widgets = {name: widget for name, (_, widget) in panel._option_widgets.items()}
    assert isinstance(widgets["steps"], QSpinBox) and isinstance(widgets["guidance"], QDoubleSpinBox)
    assert isinstance(widgets["sampler"], QComboBox) and isinstance(widgets["clip"], QCheckBox)
    assert "negative" not in widgets and panel._negative.isVisible() and panel._prompt.isVisible()
    assert not panel._latent_group.isVisible()
    panel._prompt.setText("small red circle")
    panel._negative.setText("blue")
    widgets["sampler"].setCurrentText("ddpm")
    shown = []
    panel.frame_shown.connect(shown.append)
    with qtbot.waitSignal(panel.images_generated, timeout=TIMEOUT_MS) as signal:
        qtbot.keyClick(panel._prompt, Qt.Key.Key_Return)
    assert family.calls[0][2] == "small red circle" and family.calls[0][3]["negative"] == "blue"
    items = signal.args[0]
    assert len(items[0].frames) == 5 and items[0].frames[2][0, 0, 0] == 120
    params = items[0].params
    assert params["prompt"] == "small red circle" and params["negative_prompt"] == "blue"
    assert params["sampler"] == "ddpm" and params["steps"] == 5 and params["guidance"] == 3.0
    assert shown and shown[-1].step == 5                        # the last frame is always drawn
    assert panel._extras_view.isVisible() and panel._extras_view.count() == 8
    panel.set_model(None, None)
    assert panel._message.isVisible() and not panel.generate_action.isEnabled() and panel.generate() is None
    panel.set_model(family, {"family": "fake"})                   # the old option controls are gone at once
    assert len([w for w in panel.findChildren(QSpinBox, "exploreOption_steps") if w.isVisible()]) == 1


def test_every_interactive_widget_is_named_and_ctrl_g_generates(panel, qtbot):
    for widget in panel.findChildren(QWidget):
        if isinstance(widget, (QSpinBox, QDoubleSpinBox, QComboBox, QCheckBox, QLineEdit)) or \
                widget.metaObject().className() in ("QPushButton", "QSlider"):
            if widget.parent() is not None and widget.parent().metaObject().className() in ("QSpinBox", "QDoubleSpinBox", "QComboBox"):
                continue                                                # a spin box's own line edit
            assert widget.objectName() and widget.accessibleName(), widget
    assert panel.generate_action.shortcut().toString() == "Ctrl+G"
    panel._count.setValue(1)
    panel._count.setFocus()
    with qtbot.waitSignal(panel.images_generated, timeout=TIMEOUT_MS):
        qtbot.keyClick(panel._count, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)


def test_a_dropped_export_recalls_its_parameters(qtbot, trained, tmp_path):
    from studio.engine.export import save_png

    panel = ExplorePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_model(Progressive(trained[0].data), {"family": "fake"})
    errors = []
    panel.show_error = lambda title, message: errors.append(message)
    params = {"seed": 1234, "prompt": "large blue square", "options": {"steps": 9, "sampler": "ddpm", "negative": "red",
                                                                      "unknown": 1, "guidance": "not a number"}}
    path = save_png(tmp_path / "old.png", np.zeros((4, 4, 3), np.uint8), params)
    drop(panel, path)
    assert panel._seed.value() == 1234 and panel._count.value() == 1
    assert panel._prompt.text() == "large blue square" and panel._negative.text() == "red"
    options = panel.options()
    assert options["steps"] == 9 and options["sampler"] == "ddpm" and options["guidance"] == 3.0
    assert not errors
    plain = tmp_path / "plain.png"
    Image.new("RGB", (4, 4)).save(plain)
    panel.ask_open_path = lambda: plain
    panel._open_image.click()
    assert errors and "plain.png" in errors[0]


def test_long_sampling_keeps_a_bounded_number_of_frames(trained):
    from studio.ui.panels.explore import MAX_KEPT_FRAMES, sample_frames

    gen = sample_frames(Progressive(trained[0].data), 1, 0, None, {"steps": 500})
    yielded = 0
    try:
        while True:
            next(gen)
            yielded += 1
    except StopIteration as stop:
        kept = stop.value
    assert yielded == 500 and len(kept) == MAX_KEPT_FRAMES
    assert kept[0][0, 0, 0, 0] == 40 and kept[-1][0, 0, 0, 0] == (40 * 500) % 256


def test_prompt_words_the_model_never_saw_are_named_under_the_prompt(qtbot):
    from studio.engine.families import get_family
    from studio.engine.families.base import DataInfo

    cls = get_family("diffusion")
    family = cls(cls.Config.from_preset("tiny"), DataInfo(8, 3, (), True, ("red", "circle", "small")))
    panel = ExplorePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_model(family, {"family": "diffusion"})
    assert panel._prompt.isVisible() and not panel._prompt_warning.isVisible()
    panel._prompt.setText("small purple circle")
    assert panel._prompt_warning.isVisible() and "purple" in panel._prompt_warning.text()
    panel._prompt.setText("small red circle")
    assert not panel._prompt_warning.isVisible()


# -- Stop, on a real tiny diffusion model that samples step by step --------------------------------
@pytest.fixture(scope="module")
def diffusion(tmp_path_factory):
    """A tiny diffusion model trained 2 steps on 8 px blocky images, loaded back from its run folder."""
    from studio.engine.families import get_family
    from studio.engine.training import TrainConfig, Trainer
    from uihelpers import blocky_dataset

    run_dir = tmp_path_factory.mktemp("explore-diffusion") / "run"
    config = TrainConfig(steps=2, batch_size=8, precision="fp32", device="cpu", preview_seconds=0,
                         validate_seconds=0, seed=1)
    cls = get_family("diffusion")
    trainer = Trainer(blocky_dataset(n=16, size=8), run_dir, family="diffusion",
                      family_config=cls.Config.from_preset("tiny"), config=config)
    for _ in trainer.run():
        pass
    family, ckpt = Run.open(run_dir).load_family()
    return family, {"family": "diffusion", "model": "run", "run": str(run_dir), "checkpoint": str(ckpt.path),
                    "checkpoint_hash": "d1ff", "checkpoint_step": ckpt.step}


def test_stop_ends_sampling_between_steps_and_keeps_the_last_frame(qtbot, diffusion, monkeypatch):
    family, provenance = diffusion
    produced, closed = [], []
    real_sample = family.sample

    def counting_sample(*args, **kwargs):           # what the worker really computed, step by step
        frames = real_sample(*args, **kwargs)
        try:
            for frame in frames:
                produced.append(frame.step)
                yield frame
        finally:
            frames.close()
            closed.append(True)

    monkeypatch.setattr(family, "sample", counting_sample)
    panel = ExplorePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    panel.set_model(family, provenance)
    gallery = GalleryPanel()
    qtbot.addWidget(gallery)
    panel.images_generated.connect(gallery.add_items)
    generated, shown = [], []
    panel.images_generated.connect(generated.append)
    panel.frame_shown.connect(shown.append)
    assert not panel._stop_button.isEnabled() and not panel.stop_action.isEnabled()
    panel._count.setValue(2)
    panel._option_widgets["steps"][1].setValue(1000)           # ~10 s on one core if nothing stopped it
    panel._option_widgets["sampler"][1].setCurrentText("ddim")

    qtbot.mouseClick(panel._generate_button, Qt.MouseButton.LeftButton)
    job = panel._sample_job
    assert panel.sampling and panel._stop_button.isEnabled() and panel.stop_action.isEnabled()
    qtbot.waitUntil(lambda: len(shown) >= 2, timeout=TIMEOUT_MS)
    qtbot.mouseClick(panel._stop_button, Qt.MouseButton.LeftButton)
    at_stop = len(produced)
    assert job.cancelled and not panel.sampling and not panel._stop_button.isEnabled()
    assert job.wait(10)
    QApplication.processEvents()
    last = shown[-1]
    assert closed and len(produced) < 1000 and 1 <= last.step < last.total == 1000
    assert len(produced) <= at_stop + 1                         # at most the step under way when Stop came
    assert panel._status.text().startswith(f"Stopped at step {last.step} of 1000")
    assert not panel._progress.isVisible()
    expected = QPixmap.fromImage(to_qimage(mosaic(last.images))).toImage()
    assert panel._samples_view.count() == 2 and panel._samples_view.pixmap().toImage() == expected
    assert not generated and not gallery.items()

    panel._option_widgets["steps"][1].setValue(3)              # Generate works again afterwards
    panel._count.setFocus()
    with qtbot.waitSignal(panel.images_generated, timeout=TIMEOUT_MS) as signal:
        qtbot.keyClick(panel._count, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert len(signal.args[0]) == 2 and len(gallery.items()) == 2 and not panel.sampling
    assert len(signal.args[0][0].frames) == 3 and not panel._stop_button.isEnabled()
    qtbot.waitUntil(lambda: not gallery.jobs(), timeout=TIMEOUT_MS)
    assert panel.stop(10) and gallery.stop(10)


def test_escape_stops_a_generate(qtbot, diffusion):
    family, provenance = diffusion
    panel = ExplorePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_model(family, {**provenance, "run": None})
    panel._count.setValue(1)
    panel._option_widgets["steps"][1].setValue(1000)
    shown = []
    panel.frame_shown.connect(shown.append)
    job = panel.generate()
    qtbot.waitUntil(lambda: bool(shown), timeout=TIMEOUT_MS)
    panel._prompt.setFocus()
    qtbot.keyClick(panel._prompt, Qt.Key.Key_Escape)
    assert job.cancelled and not panel.sampling and panel._status.text().startswith("Stopped at step")
    assert job.wait(10) and shown[-1].step < 1000
    assert panel.stop(10) and not panel.jobs()


def test_images_record_the_precision_they_drew_in_and_draw_in_it_again(qtbot, diffusion, monkeypatch):
    """Generate records what the networks ran in; an image brought back draws in its precision again, pixel for
    pixel, and where this machine lacks it the status says so."""
    from studio.engine import inference
    from studio.ui.panels.explore import sampling

    drawn = []                                     # the precision each sampling ran under

    def recording(family, n, seed, prompt, options, precision=None):
        drawn.append(precision.name)
        return (yield from inference.sample_frames(family, n, seed, prompt, options, precision))

    monkeypatch.setattr(sampling, "sample_frames", recording)
    family, provenance = diffusion
    panel = ExplorePanel()
    qtbot.addWidget(panel)
    panel.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    panel.set_model(family, provenance)
    panel._option_widgets["steps"][1].setValue(3)
    panel._count.setValue(1)
    monkeypatch.setattr(inference, "device_has_fast_bf16", lambda device: True)   # as on an AVX512-BF16 CPU
    monkeypatch.setattr(inference, "device_has_bf16", lambda device: True)
    with qtbot.waitSignal(panel.images_generated, timeout=TIMEOUT_MS) as signal:
        panel.generate()
    auto = signal.args[0][0]
    assert auto.provenance.precision == "bf16" and drawn == ["bf16"]
    panel.restore(auto.provenance.updated(precision="fp32").to_dict())     # an image drawn in fp32 elsewhere
    with qtbot.waitSignal(panel.images_generated, timeout=TIMEOUT_MS) as signal:
        panel.generate()
    fp32 = signal.args[0][0]
    assert fp32.provenance.precision == "fp32" and drawn[-1] == "fp32"
    monkeypatch.setattr(inference, "device_has_fast_bf16", lambda device: False)  # a machine without bf16
    monkeypatch.setattr(inference, "device_has_bf16", lambda device: False)
    panel.restore(auto.provenance.to_dict())
    with qtbot.waitSignal(panel.images_generated, timeout=TIMEOUT_MS) as signal:
        panel.generate()
        assert "bf16" in panel._status.text()                                      # said before it draws
    assert signal.args[0][0].provenance.precision == "fp32" and drawn[-1] == "fp32"
    np.testing.assert_array_equal(signal.args[0][0].image, fp32.image)
    assert panel.stop(10)
