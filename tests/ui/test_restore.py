"""Dropping an image restores what made it: the window opens the image's run (at the image's checkpoint),
Explore gets seed, prompt, options and latent position, and Generate makes the same image bit for bit.
A missing run or a changed checkpoint is said; an AUTOMATIC1111 image fills the prompt fields it can;
junk metadata does not crash, and an image without parameters still loads as the dataset."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, PngImagePlugin
from PySide6.QtCore import QThreadPool

from studio.cli import main as cli
from studio.engine.export import read_image_parameters, save_image
from studio.engine.families.base import PROMPT, Frame, SampleOption
from studio.engine.run import Run
from studio.ui.panels.explore import ExplorePanel
from uihelpers import drop, train_tiny_vae

TIMEOUT_MS = 30_000
SIZE = 16
FOREIGN = "a red circle\nNegative prompt: blue\nSteps: 20, Sampler: DPM++ 2M, CFG scale: 7, Seed: 42, Size: 512x512, Model hash: abc"


@pytest.fixture(autouse=True)
def no_thread_left():
    yield
    assert QThreadPool.globalInstance().waitForDone(5000), "a background job outlived its test"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A tiny VAE trained 3 steps on 16 px blocky images, as tests/ui/test_explore.py trains it."""
    return train_tiny_vae(tmp_path_factory.mktemp("restore") / "run", SIZE)


def pixels(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def generate_one(qtbot, explore) -> np.ndarray:
    with qtbot.waitSignal(explore.images_generated, timeout=TIMEOUT_MS) as signal:
        explore.generate()
    (item,) = signal.args[0]
    return item.image


def foreign_png(path, text=FOREIGN):
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", text)
    Image.new("RGB", (8, 8), (200, 0, 0)).save(path, pnginfo=info)
    return path


def test_cli_writes_each_format_with_its_parameters(run_dir, tmp_path):
    out = io.StringIO()
    assert cli(["sample", str(run_dir), "-n", "2", "--seed", "3", "--out", str(tmp_path / "s"), "--format", "jpg",
                "--grid", str(tmp_path / "grid.webp")], out, io.StringIO()) == 0
    params = read_image_parameters(tmp_path / "s" / "image-0001.jpg")
    assert params["seed"] == 4 and params["family"] == "vae" and params["run"] == str(run_dir.resolve())
    assert read_image_parameters(tmp_path / "grid.webp")["grid"] == 2
    out = io.StringIO()
    assert cli(["inspect", str(tmp_path / "s" / "image-0001.jpg"), "--params"], out, io.StringIO()) == 0
    assert '"seed": 4' in out.getvalue()
    err = io.StringIO()
    (tmp_path / "bad.png").write_bytes(b"nope")
    assert cli(["inspect", str(tmp_path / "bad.png"), "--params"], io.StringIO(), err) != 0
    assert "bad.png" in err.getvalue() and "Traceback" not in err.getvalue()


def test_dropping_an_image_on_the_window_opens_its_run_and_regenerates_it(make_window, qtbot, run_dir, tmp_path):
    """Made by the CLI as lossless WebP (seed 5, image 2 = seed 7), dropped on a fresh window."""
    assert cli(["sample", str(run_dir), "-n", "3", "--seed", "5", "--out", str(tmp_path), "--format", "webp"],
               io.StringIO(), io.StringIO()) == 0
    image = tmp_path / "image-0002.webp"
    win = make_window()
    win.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    drop(win, image)
    explore = win.explore_panel
    qtbot.waitUntil(lambda: explore.family() is not None and "Restored" in explore._status.text(), timeout=TIMEOUT_MS)
    assert win.pages.currentWidget() is explore
    assert explore._seed.value() == 7 and explore._count.value() == 1
    assert "⚠" not in explore._status.text() and "seed 7" in explore._status.text()
    assert explore._provenance.checkpoint_hash == read_image_parameters(image)["checkpoint_hash"]
    win.grab().save(str(tmp_path / "restored-window.png"))
    np.testing.assert_array_equal(generate_one(qtbot, explore), pixels(image))      # bit for bit
    # changed controls go back to what made the image (options it does not name: their defaults)
    temperature = explore._option_widgets["temperature"][1]
    temperature.setValue(0.25)
    explore._seed.setValue(3)
    drop(explore, image)                                   # the same run and checkpoint: restored in place
    assert temperature.value() == 1.0 and explore._seed.value() == 7 and win._run_job is None
    np.testing.assert_array_equal(generate_one(qtbot, explore), pixels(image))

    # the run trains on: the image's checkpoint is gone, so the window warns (and still restores)
    changed = {**read_image_parameters(image), "checkpoint_hash": "0000000000", "seed": 9}
    other = save_image(tmp_path / "changed.png", pixels(image), changed)
    shown = explore.family()
    drop(explore, other)                                   # on Explore: it hands the image to the window
    qtbot.waitUntil(lambda: explore.family() is not shown and explore._seed.value() == 9, timeout=TIMEOUT_MS)
    assert "⚠" in explore._status.text() and "0000000000" in explore._status.text()
    win.grab().save(str(tmp_path / "changed-checkpoint.png"))
    win.close()


def test_a_missing_run_is_said_and_the_prompt_is_still_filled(make_window, qtbot, tmp_path):
    params = {"family": "diffusion", "run": str(tmp_path / "gone" / "run"), "model": "run",
              "checkpoint": str(tmp_path / "gone" / "run" / "checkpoints" / "last.safetensors"),
              "checkpoint_hash": "abcdef0123", "seed": 77, "prompt": "small red circle", "negative_prompt": "blue",
              "options": {"steps": 20, "negative": "blue"}, "steps": 20}
    path = save_image(tmp_path / "old.jpg", np.zeros((8, 8, 3), np.uint8), params)
    win = make_window()
    drop(win, path)
    explore = win.explore_panel
    assert explore._prompt.text() == "small red circle" and explore._negative.text() == "blue"
    assert explore._seed.value() == 77
    message = explore._message.text()
    assert explore._message.isVisible() and "not on this computer" in message and str(tmp_path / "gone") in message
    assert "not on this computer" in win.statusBar().currentMessage()
    win.grab().save(str(tmp_path / "missing-run.png"))
    win.close()


def test_a_latent_slider_image_comes_back_at_its_position(qtbot, run_dir, tmp_path):
    family, ckpt = Run.open(run_dir).load_family()
    provenance = {"family": "vae", "model": "run", "run": str(run_dir), "checkpoint": str(ckpt.path),
                  "checkpoint_hash": "abc", "checkpoint_step": ckpt.step}
    panel = ExplorePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    panel.set_model(family, provenance)
    panel.start_latent_from_seed(11)
    panel.sliders()[0].setValue(137)
    panel.sliders()[2].setValue(901)
    qtbot.waitUntil(lambda: panel._latent_shown is not None and not panel._decode_busy and panel._latent_pending is None
                    and np.array_equal(panel._latent_shown[0], panel.latent_position()), timeout=TIMEOUT_MS)
    with qtbot.waitSignal(panel.images_generated, timeout=TIMEOUT_MS) as signal:
        panel._add_latent.click()
    (item,) = signal.args[0]
    saved = save_image(tmp_path / "latent.png", item.image, item.params)
    position = panel.latent_position()

    fresh = ExplorePanel()
    qtbot.addWidget(fresh)
    fresh.show()
    fresh.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    fresh.set_model(family, provenance)
    drop(fresh, saved)
    np.testing.assert_array_equal(fresh.latent_position(), position)               # exactly, not re-encoded
    qtbot.waitUntil(lambda: fresh._latent_shown is not None and not fresh._decode_busy
                    and np.array_equal(fresh._latent_shown[0], position), timeout=TIMEOUT_MS)
    np.testing.assert_array_equal(fresh._latent_shown[1], pixels(saved))
    assert "latent position" in fresh._status.text() and fresh._latent_origin == {"latent_seed": 11}
    assert fresh.stop(10) and panel.stop(10)


class Prompted:
    """A stand-in family with a prompt, a negative prompt and the diffusion options."""

    capabilities = frozenset({PROMPT})

    def __init__(self, samplers=("ddpm", "ddim", "dpm++2m")):
        from studio.engine.families.base import DataInfo

        self.data = DataInfo(8, 3, (), True, ("red", "circle"))
        self.samplers = samplers

    def sample_options(self):
        return [SampleOption("steps", "int", 5, 1, 100), SampleOption("guidance", "float", 3.0, 0.0, 20.0),
                SampleOption("sampler", "choice", self.samplers[0], choices=self.samplers),
                SampleOption("negative", "str", "")]

    def prompt_warnings(self, prompt):
        return []

    def sample(self, n, *, seed, prompt=None, **options):
        yield Frame(images=np.zeros((n, 8, 8, 3), np.uint8), step=1, total=1)


@pytest.mark.parametrize("samplers,sampler_used", [(("ddpm", "ddim", "dpm++2m"), True), (("ddpm", "ddim"), False)])
def test_a_foreign_a1111_png_fills_the_prompt_fields(qtbot, tmp_path, samplers, sampler_used):
    panel = ExplorePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    panel.set_model(Prompted(samplers), {"family": "fake", "run": str(tmp_path)})
    drop(panel, foreign_png(tmp_path / "sd.png"))
    assert panel._prompt.text() == "a red circle" and panel._negative.text() == "blue"
    assert panel._seed.value() == 42 and panel._count.value() == 1
    options = panel.options()
    assert options["steps"] == 20 and options["guidance"] == 7.0
    status = panel._status.text()
    assert "AUTOMATIC1111" in status and "prompt" in status and "seed 42" in status and "CFG scale 7" in status
    if sampler_used:
        assert options["sampler"] == "dpm++2m" and "sampler dpm++2m" in status
    else:
        assert options["sampler"] == "ddpm" and "Not used: sampler DPM++ 2M (this model has ddpm, ddim)" in status
    panel.resize(1000, 360)
    panel.grab().save(str(tmp_path / "foreign.png"))


def test_junk_metadata_does_not_crash_and_a_plain_image_is_still_a_dataset(make_window, qtbot, tmp_path):
    win = make_window()
    errors = []
    win.show_error = lambda title, message: errors.append(message)
    junk = tmp_path / "junk.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("genstudio", "{broken json")
    info.add_text("parameters", "\x00\x01\x02 Steps: many, Seed: -5, CFG scale: nan")
    Image.new("RGB", (8, 8)).save(junk, pnginfo=info)
    drop(win, junk)                                       # junk JSON: the A1111 text is used; nothing fits
    explore = win.explore_panel
    assert "AUTOMATIC1111" in win.statusBar().currentMessage() and explore._seed.value() == 0
    odd = save_image(tmp_path / "odd.webp", np.zeros((8, 8, 3), np.uint8),
                     {"run": 5, "seed": True, "prompt": 3, "options": "x", "latent": [1, "a"], "checkpoint_hash": []})
    drop(win, odd)                                        # a genstudio JSON of the wrong kinds: nothing fits, no crash
    assert "not on this computer" in explore._message.text() and explore._seed.value() == 0
    drop(win, foreign_png(tmp_path / "sd.png"))            # no model open: the fields wait for one
    assert explore._prompt.text() == "a red circle" and "seed 42" in explore._message.text()
    plain = tmp_path / "plain.png"
    Image.new("RGB", (12, 10), (0, 200, 0)).save(plain)
    with qtbot.waitSignal(win.dataset_panel.dataset_loaded, timeout=TIMEOUT_MS) as loaded:
        drop(win, plain)                                  # no parameters: today's behaviour, a dataset of one
    assert len(loaded.args[0]) == 1 and not errors
    win.close()
