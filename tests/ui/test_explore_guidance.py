"""Explore with classifier guidance: the guidance kind is a control, regenerating with another kind keeps the seed,
and Compare guidance draws the same seed once per kind, one row each, without filling the gallery."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt, QThreadPool

from studio.engine import sample_frames
from studio.engine.families import get_family
from studio.engine.families.base import DataInfo
from studio.ui.panels.explore import ExplorePanel

TIMEOUT_MS = 20_000


@pytest.fixture(autouse=True)
def no_thread_left():
    yield
    assert QThreadPool.globalInstance().waitForDone(3000), "a background job outlived its test"


@pytest.fixture
def panel(qtbot):
    cls = get_family("diffusion")
    torch.manual_seed(0)
    family = cls(cls.Config.from_preset("tiny"), DataInfo(8, 1, ("left", "right"), False, ("left", "right")))
    g = torch.Generator().manual_seed(1)            # fresh zero-initialised layers: give every weight noise
    with torch.no_grad():
        for module in family.modules().values():
            for p in module.parameters():
                p.add_(0.05 * torch.randn(p.shape, generator=g))
    explore = ExplorePanel()
    qtbot.addWidget(explore)
    explore.show()
    explore.show_error = lambda title, message: pytest.fail(f"error dialog: {message}")
    explore.set_model(family, {"family": "diffusion"})
    explore._count.setValue(2)
    explore._seed.setValue(11)
    explore._option_widgets["steps"][1].setValue(3)
    explore._prompt.setText("left")
    yield explore
    assert explore.stop(10)


def generate(panel, qtbot):
    with qtbot.waitSignal(panel.images_generated, timeout=TIMEOUT_MS) as signal:
        qtbot.mouseClick(panel._generate_button, Qt.MouseButton.LeftButton)
    return signal.args[0]


def test_another_guidance_kind_keeps_the_seed(panel, qtbot):
    kind = panel._option_widgets["guidance_kind"][1]
    assert [kind.itemText(i) for i in range(kind.count())] == ["classifier-free", "classifier", "both"]
    assert kind.currentText() == "classifier-free"
    free = generate(panel, qtbot)
    kind.setCurrentText("classifier")
    panel._option_widgets["classifier_scale"][1].setValue(20.0)
    steered = generate(panel, qtbot)
    assert [i.params["seed"] for i in free] == [i.params["seed"] for i in steered] == [11, 12]
    assert steered[0].params["options"]["guidance_kind"] == "classifier"
    assert not np.array_equal(free[0].image, steered[0].image)
    options = {**panel.options(), "guidance_kind": "classifier", "classifier_scale": 20.0}
    expected = list(sample_frames(panel.family(), 2, 11, "left", options, steered[0].provenance.precision))[-1].images
    np.testing.assert_array_equal(np.stack([i.image for i in steered]), expected)


def test_compare_guidance_draws_one_row_per_kind_from_the_same_seed(panel, qtbot):
    assert panel._form.compare_button.isVisible()
    added = []
    panel.images_generated.connect(added.append)
    qtbot.mouseClick(panel._form.compare_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.sampling and "Rows" in panel._status.text(), timeout=TIMEOUT_MS)
    assert panel._samples_view.count() == 6 and not added
    assert "classifier-free, classifier, both" in panel._status.text() and "11" in panel._status.text()
    # a plain Generate afterwards draws as before: two images, into the gallery
    assert len(generate(panel, qtbot)) == 2 and panel._samples_view.count() == 2


def test_no_compare_for_a_family_without_guidance_kinds(qtbot):
    cls = get_family("vae")
    explore = ExplorePanel()
    qtbot.addWidget(explore)
    explore.show()
    explore.set_model(cls(cls.Config.from_preset("tiny"), DataInfo(8, 3)), {"family": "vae"})
    assert not explore._form.compare_button.isVisible()


def test_no_compare_for_a_diffusion_run_without_a_classifier(qtbot):
    cls = get_family("diffusion")
    explore = ExplorePanel()
    qtbot.addWidget(explore)
    explore.show()
    explore.set_model(cls(cls.Config.from_preset("tiny"), DataInfo(8, 3)), {"family": "diffusion"})  # no labels
    assert not explore._form.compare_button.isVisible()           # only classifier-free: nothing to compare
